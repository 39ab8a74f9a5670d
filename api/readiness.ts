// GET /readyz (DESIGN.md section 8): 200 when Temporal and NATS answer, 503 naming the one that
// does not. Each is asked afresh with a short timeout. The API holds its own NATS connection for
// this; it never blocks start-up and reconnects forever.
import type { FastifyInstance } from 'fastify';
import { connect, type ConnectionOptions, type NatsConnection } from 'nats';
import type { DependencyState, TemporalMonitor } from './temporal-connection.js';

export const READINESS_TIMEOUT_MS = 1_000;

export interface NatsReadinessOptions {
  url: string;
  /** From config/connections.ts natsOptions(config): identity, TLS, reconnect forever. */
  options: Partial<ConnectionOptions>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 200);

/** The API's NATS connection, used only to tell whether NATS answers. */
export class NatsReadiness {
  private nc: NatsConnection | null = null;
  private lastError = 'not connected yet';
  private closed = false;
  private wake: (() => void) | null = null;

  constructor(private readonly opts: NatsReadinessOptions) {}

  /**
   * Connects in the background: the first connection is retried here (so close() can stop it),
   * later ones by nats.js; should nats.js ever give up (a limited maxReconnectAttempts), this
   * starts over.
   */
  start(): void {
    void (async () => {
      const retryMs = this.opts.options.reconnectTimeWait ?? 1_000;
      while (!this.closed) {
        try {
          const nc = await connect({ ...this.opts.options, servers: this.opts.url, name: this.opts.options.name ?? 'alipay-cn-api-readiness', waitOnFirstConnect: false });
          if (this.closed) return void (await nc.close());
          this.nc = nc;
          void nc.closed().then((err) => {
            if (this.closed || this.nc !== nc) return;
            this.nc = null;
            this.lastError = err ? message(err) : 'the connection closed';
            this.start();
          });
          return;
        } catch (err) {
          this.lastError = message(err);
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, retryMs);
            this.wake = () => (clearTimeout(timer), resolve());
          });
        }
      }
    })();
  }

  async check(timeoutMs = READINESS_TIMEOUT_MS): Promise<DependencyState> {
    const nc = this.nc;
    if (!nc) return `down: ${this.lastError}`;
    if (nc.isClosed()) return 'down: the connection is closed';
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        nc.rtt(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return 'up';
    } catch (err) {
      return `down: ${message(err)}`;
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wake?.();
    if (this.nc && !this.nc.isClosed()) await this.nc.close();
  }
}

export function readinessRoutes(app: FastifyInstance, deps: { temporal: TemporalMonitor; nats: NatsReadiness | null }): void {
  app.get('/readyz', async (_req, reply) => {
    const [temporal, nats] = await Promise.all([
      deps.temporal.probe(READINESS_TIMEOUT_MS),
      deps.nats ? deps.nats.check(READINESS_TIMEOUT_MS) : Promise.resolve('not configured' as const),
    ]);
    const ready = temporal === 'up' && !nats.startsWith('down');
    return reply.code(ready ? 200 : 503).send({ ready, dependencies: { temporal, nats } });
  });
}
