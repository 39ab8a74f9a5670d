// The API's way to Temporal, built to live through Temporal outages:
// - a lazy connection: the API starts while Temporal is down and connects when it can; gRPC
//   reconnects with a backoff capped at 2 s, so it heals within seconds of Temporal's return;
// - the SDK's retry of retryable gRPC codes, except that UNAVAILABLE (nothing answers) is retried
//   only for `unavailableAfterMs`: the SDK's default would retry it for about 20 s;
// - a monitor that asks the frontend's health service twice a second with a short deadline, for
//   /readyz, and a watchdog on every workflow client call: a call still waiting after Temporal
//   has not answered for `unavailableAfterMs` fails with TemporalUnavailableError (a frontend that
//   accepts connections but never answers would otherwise hold a request for 20 s or more).
// Long calls on a healthy Temporal (update-with-start waits on the gateway) are never cut.
import {
  Client,
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import type { Tracer } from '@opentelemetry/api';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { TemporalConnectOptions } from '../config/connections.js';
import { GRPC, TemporalUnavailableError, describeTemporalError } from './temporal-errors.js';

type GrpcInterceptor = NonNullable<ConnectionOptions['interceptors']>[number];

const HEALTH_SERVICE_PATH = '/grpc.health.v1.Health/';
const SERVING = 1;

/**
 * The SDK's gRPC retry (defaultGrpcRetryOptions), with UNAVAILABLE retried only until it has lasted
 * `unavailableAfterMs`; health checks are never retried (a probe must say what it saw). Once the
 * connection is closing, nothing is retried, and a retry already scheduled fails at once instead
 * of calling into the closed channel (which throws from a timer: an uncaught exception).
 */
function outageAwareRetry(unavailableAfterMs: number, closing: () => boolean): GrpcInterceptor {
  const base = defaultGrpcRetryOptions();
  return (options, nextCall) => {
    const isProbe = options.method_definition.path.startsWith(HEALTH_SERVICE_PATH);
    let unreachableSince: number | null = null;
    const nextUnlessClosing: typeof nextCall = (callOptions) => (closing() ? closedCall() : nextCall(callOptions));
    return makeGrpcRetryInterceptor({
      retryableDecider(attempt, status) {
        if (isProbe || closing()) return false;
        if (status.code !== GRPC.UNAVAILABLE) {
          unreachableSince = null;
          return base.retryableDecider(attempt, status);
        }
        unreachableSince ??= Date.now();
        return base.retryableDecider(attempt, status) && Date.now() - unreachableSince < unavailableAfterMs;
      },
      delayFunction(attempt, status) {
        const delay = base.delayFunction(attempt, status);
        if (status.code !== GRPC.UNAVAILABLE || unreachableSince === null) return delay;
        return Math.max(0, Math.min(delay, unreachableSince + unavailableAfterMs - Date.now()));
      },
    })(options, nextUnlessClosing);
  };
}

type NextCall = Parameters<GrpcInterceptor>[1];
type CallInterface = ReturnType<NextCall>;

/** A call that ends UNAVAILABLE as soon as it starts: what a closing connection offers a retry. */
function closedCall(): CallInterface {
  return {
    start(metadata, listener) {
      setImmediate(() => listener?.onReceiveStatus?.({ code: GRPC.UNAVAILABLE, details: 'the Temporal connection is closed', metadata }));
    },
    cancelWithStatus() {},
    getPeer: () => '',
    sendMessageWithContext() {},
    sendMessage() {},
    startRead() {},
    halfClose() {},
    getAuthContext: () => null,
  };
}

export type DependencyState = 'up' | `down: ${string}`;

interface PendingCall {
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  reject(err: Error): void;
}

/** How often the frontend's health is asked. */
const PROBE_INTERVAL_MS = 500;

/** Watches the Temporal frontend's health and cuts calls that wait through an outage. */
export class TemporalMonitor {
  /** When the current outage began (the start of its first failed probe); null while Temporal answers. */
  private downSince: number | null = null;
  private reason = 'not checked yet';
  private readonly pending = new Set<PendingCall>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly probeTimeoutMs: number;

  constructor(
    private readonly connection: Connection,
    private readonly opts: { unavailableAfterMs: number },
  ) {
    this.probeTimeoutMs = Math.min(1_000, opts.unavailableAfterMs);
  }

  start(): void {
    const tick = async () => {
      await this.probe();
      if (!this.stopped) this.timer = setTimeout(tick, PROBE_INTERVAL_MS);
    };
    void tick();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    for (const call of this.pending) clearTimeout(call.timer);
  }

  /** One health check with a short deadline: "up" or "down: <reason>". Feeds the outage state. */
  async probe(timeoutMs = this.probeTimeoutMs): Promise<DependencyState> {
    const startedAt = Date.now();
    try {
      const res = await this.connection.withDeadline(startedAt + timeoutMs, () => this.connection.healthService.check({}));
      if (res.status !== SERVING) throw new Error(`the frontend reports health status ${res.status} (not SERVING)`);
      this.markUp();
      return 'up';
    } catch (err) {
      const reason = describeTemporalError(err);
      this.markDown(startedAt, reason);
      return `down: ${reason}`;
    }
  }

  /** Runs a client call; fails it with TemporalUnavailableError if it waits through an outage. */
  guard<T>(call: () => Promise<T>): Promise<T> {
    const promise = call();
    return new Promise<T>((resolve, reject) => {
      const entry: PendingCall = { startedAt: Date.now(), timer: undefined, reject };
      const settle = () => {
        clearTimeout(entry.timer);
        this.pending.delete(entry);
      };
      this.pending.add(entry);
      this.arm(entry);
      promise.then(
        (value) => (settle(), resolve(value)),
        (err) => (settle(), reject(err)),
      );
    });
  }

  /** The workflow client interceptor that puts every call under the watchdog. */
  clientInterceptor(): WorkflowClientInterceptor {
    const guarded = <I, O>(input: I, next: (input: I) => Promise<O>): Promise<O> => this.guard(() => next(input));
    return {
      startWithDetails: guarded,
      startUpdate: guarded,
      startUpdateWithStart: guarded,
      signal: guarded,
      signalWithStart: guarded,
      query: guarded,
      terminate: guarded,
      cancel: guarded,
      describe: guarded,
    };
  }

  private markUp(): void {
    this.downSince = null;
    for (const call of this.pending) clearTimeout(call.timer);
  }

  private markDown(startedAt: number, reason: string): void {
    this.reason = reason;
    if (this.downSince !== null) return;
    this.downSince = startedAt;
    for (const call of this.pending) this.arm(call);
  }

  /** A call is cut once Temporal has not answered for unavailableAfterMs while it waited. */
  private arm(call: PendingCall): void {
    if (this.downSince === null || this.stopped) return;
    clearTimeout(call.timer);
    const cutAt = Math.max(call.startedAt, this.downSince) + this.opts.unavailableAfterMs;
    call.timer = setTimeout(() => {
      if (this.downSince === null) return;
      this.pending.delete(call);
      call.reject(new TemporalUnavailableError(this.reason));
    }, Math.max(0, cutAt - Date.now()));
  }
}

export interface TemporalAccess {
  client: Client;
  monitor: TemporalMonitor;
  close(): Promise<void>;
}

export function temporalAccess(opts: {
  address: string;
  namespace: string;
  connect?: TemporalConnectOptions;
  unavailableAfterMs: number;
  /** Starts, updates and signals carry the caller's span into the workflow (its headers). */
  tracer?: Tracer;
}): TemporalAccess {
  let closing = false;
  const connection = Connection.lazy({
    address: opts.address,
    ...opts.connect,
    interceptors: [outageAwareRetry(opts.unavailableAfterMs, () => closing)],
    channelArgs: { 'grpc.initial_reconnect_backoff_ms': 250, 'grpc.max_reconnect_backoff_ms': 2_000 },
  });
  const monitor = new TemporalMonitor(connection, { unavailableAfterMs: opts.unavailableAfterMs });
  const tracing = opts.tracer ? [new OpenTelemetryWorkflowClientInterceptor({ tracer: opts.tracer })] : [];
  const client = new Client({ connection, namespace: opts.namespace, interceptors: { workflow: [monitor.clientInterceptor(), ...tracing] } });
  monitor.start();
  return {
    client,
    monitor,
    async close() {
      closing = true;
      monitor.stop();
      await connection.close();
    },
  };
}
