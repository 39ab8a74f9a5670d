// The merchant-facing HTTP API (DESIGN.md section 3) on Fastify.
import { Client, Connection } from '@temporalio/client';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterPaymentRoutes } from './after-payment-routes.js';
import { ApiError } from './errors.js';
import { Metrics } from './metrics.js';
import { notificationRoutes } from './notifications-routes.js';
import { paymentRoutes, type PaymentRoutesOptions } from './payments-routes.js';

export interface ApiOptions extends Omit<PaymentRoutesOptions, 'client'> {
  temporalAddress: string;
  namespace: string;
  secret: string;
  host: string;
  port: number;
  logger?: boolean | object;
}

export interface RunningApi {
  app: FastifyInstance;
  client: Client;
  url: string;
  close(): Promise<void>;
}

export function buildApp(client: Client, opts: Omit<ApiOptions, 'temporalAddress' | 'namespace' | 'host' | 'port'>): FastifyInstance {
  const app = Fastify({ logger: opts.logger ?? false, bodyLimit: 64 * 1024 });
  const metrics = new Metrics();
  // Keep the exact body text: notification signatures are over those bytes.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as { rawBody?: string }).rawBody = body as string;
    try {
      done(null, (body as string).length ? JSON.parse(body as string) : undefined);
    } catch {
      done(new ApiError(400, 'VALIDATION_ERROR', 'the body is not valid JSON'), undefined);
    }
  });
  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send(err.body());
    const status = (err as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      return reply.code(status).send(new ApiError(status, 'BAD_REQUEST', (err as Error).message).body());
    }
    req.log.error({ err }, 'request failed');
    return reply.code(500).send(new ApiError(500, 'INTERNAL', 'the service failed to handle the request').body());
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send(new ApiError(404, 'NOT_FOUND', `no route ${req.method} ${req.url}`).body()));
  app.addHook('onResponse', async (req, reply) => {
    metrics.inc('alipay_cn_http_requests_total', { route: req.routeOptions.url ?? 'unknown', status: String(reply.statusCode) });
  });
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/metrics', async (_req, reply) => reply.type('text/plain; version=0.0.4').send(metrics.render()));
  paymentRoutes(app, { ...opts, client });
  afterPaymentRoutes(app, { client });
  notificationRoutes(app, { ...opts, client, metrics });
  return app;
}

export async function startApi(opts: ApiOptions): Promise<RunningApi> {
  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection, namespace: opts.namespace });
  const app = buildApp(client, opts);
  const address = await app.listen({ host: opts.host, port: opts.port });
  return {
    app,
    client,
    url: address,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}
