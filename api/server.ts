// The merchant-facing HTTP API (DESIGN.md sections 3 and 8) on Fastify.
import type { Client } from '@temporalio/client';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { loadConfig, type ApiKey } from '../config/config.js';
import type { TemporalConnectOptions } from '../config/connections.js';
import { isPaymentId } from '../domain/payment-request.js';
import { afterPaymentRoutes } from './after-payment-routes.js';
import { documentRoutes } from './document-routes.js';
import { MerchantGate, looksLikePaymentsPath, merchantAuth } from './auth.js';
import { ApiError, quoted, sendError } from './errors.js';
import { Metrics, UNMATCHED_ROUTE } from './metrics.js';
import { notificationRoutes } from './notifications-routes.js';
import { paymentListRoutes } from './payment-list-routes.js';
import { paymentRoutes, type PaymentRoutesOptions } from './payments-routes.js';
import { qrRoutes } from './qr-routes.js';
import { echoRequestId, requestIdOf, traceRequests } from './request-tracing.js';
import type { RateLimit } from './rate-limit.js';
import { NatsReadiness, readinessRoutes, type NatsReadinessOptions } from './readiness.js';
import { temporalAccess, type TemporalMonitor } from './temporal-connection.js';
import { paymentUnavailableError, temporalUnavailableError } from './temporal-errors.js';
import type { Logger } from '../telemetry/logger.js';
import type { Tracing } from '../telemetry/tracing.js';

export interface ApiOptions extends Omit<PaymentRoutesOptions, 'client' | 'metrics'> {
  temporalAddress: string;
  namespace: string;
  /** TLS or an API key for Temporal (config/connections.ts temporalOptions). */
  temporalConnection?: TemporalConnectOptions;
  /** The gateway's signing secret (notifications). */
  secret: string;
  host: string;
  port: number;
  /** Merchant API keys; every /v1/payments… request needs one. At least one. */
  apiKeys: ApiKey[];
  /** Per API key (default 50 per second, bursts of 100). */
  rateLimit?: RateLimit;
  /** A request not fully received by then is answered 408 and closed (default 10 s). */
  requestTimeoutMs?: number;
  /** How long Temporal may be out of reach before a request answers 503 (default 3 s). */
  temporalUnavailableAfterMs?: number;
  /** The NATS that /readyz checks; without it readyz reports nats "not configured". */
  nats?: NatsReadinessOptions;
  /** A notification's request-time must lie within this of now. */
  notificationMaxAgeMs: number;
  /** Our client id at the gateway: notifications signed for another are refused. */
  clientId: string;
  /** Where its log lines go (telemetry/logger.ts); none when absent. */
  logger?: Logger;
  /** Spans for every request, carried into the workflows (telemetry/tracing.ts); none when absent. */
  tracing?: Tracing | null;
}

export interface RunningApi {
  app: FastifyInstance;
  client: Client;
  url: string;
  close(): Promise<void>;
}

/** What an option left out defaults to: the configuration's own defaults (config/config.ts), one source. */
const DEFAULTS = loadConfig({});
/** Longer than any real id, so a long path id is a 404 PAYMENT_NOT_FOUND, not a router error. */
const MAX_PARAM_LENGTH = 16 * 1024;

/** Fastify's own errors (FST_*): the contract's code for each; other 4xx are BAD_REQUEST. */
const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_EMPTY_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_MAX_PARAM_LENGTH: 'URI_TOO_LONG',
};

/** Any error as the contract's error: ApiError as is, Temporal outages 503, framework errors 4xx, else 500. */
function asApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const unavailable = temporalUnavailableError(err) ?? paymentUnavailableError(err);
  if (unavailable) return unavailable;
  const { statusCode, code, message } = err as Partial<FastifyError>;
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    return new ApiError(statusCode, (code && FRAMEWORK_CODES[code]) ?? 'BAD_REQUEST', quoted(message ?? 'the request is not valid', 300));
  }
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_ASYNC_CONSTRAINT') return new ApiError(400, 'BAD_REQUEST', 'the URL is not valid');
  return new ApiError(500, 'INTERNAL', 'the service failed to handle the request');
}

/** Errors Node's HTTP parser raises before Fastify sees a request: answered raw, in the contract's shape. */
function clientErrorHandler(requestTimeoutMs: number) {
  return (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const [status, error] =
      err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, new ApiError(408, 'REQUEST_TIMEOUT', `the request did not arrive in full within ${requestTimeoutMs} ms`)]
        : err.code === 'HPE_HEADER_OVERFLOW'
          ? [431, new ApiError(431, 'HEADERS_TOO_LARGE', 'the request headers are too large')]
          : [400, new ApiError(400, 'BAD_REQUEST', 'the request is not valid HTTP')];
    const body = JSON.stringify(error.body());
    // A HEAD request gets the headers only (when the failing bytes show it was one).
    const rawPacket = (err as { rawPacket?: unknown }).rawPacket;
    const head = Buffer.isBuffer(rawPacket) && rawPacket.subarray(0, 5).toString('latin1') === 'HEAD ';
    const response = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (socket.writable && !response?.headersSent) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${head ? '' : body}`,
      );
    }
    socket.destroy(err);
  };
}

/**
 * One line per request, when it completes: method, route pattern (never the URL: no payment ids or
 * query values in the lines), status and time, with the request id (README "Traces and logs").
 */
class OneLinePerRequest extends LogController {
  override incomingRequest(): void {}
  override requestCompleted(error: Error | null | undefined, req: FastifyRequest, reply: FastifyReply): void {
    const fields = { method: req.method, route: req.routeOptions.url ?? UNMATCHED_ROUTE, statusCode: reply.statusCode, responseTimeMs: Math.round(reply.elapsedTime * 10) / 10 };
    // The request's logger: with tracing on it carries the request's trace (api/request-tracing.ts).
    if (error) req.log.error({ ...fields, err: error }, 'request errored');
    else req.log.info(fields, 'request completed');
  }
}

export interface AppDependencies {
  client: Client;
  temporal: TemporalMonitor;
  nats: NatsReadiness | null;
}

export function buildApp(deps: AppDependencies, opts: Omit<ApiOptions, 'temporalAddress' | 'namespace' | 'host' | 'port'>): FastifyInstance {
  const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.REQUEST_TIMEOUT_MS;
  const metrics = new Metrics();
  const rateLimit = opts.rateLimit ?? { perSecond: DEFAULTS.RATE_LIMIT_PER_SECOND, burst: DEFAULTS.RATE_LIMIT_BURST };
  const gate = new MerchantGate(opts.apiKeys, rateLimit, metrics);
  const app = Fastify({
    ...(opts.logger ? { loggerInstance: opts.logger as FastifyBaseLogger } : { logger: false }),
    genReqId: requestIdOf,
    logController: new OneLinePerRequest({ requestIdLogLabel: 'requestId' }),
    bodyLimit: 64 * 1024,
    requestTimeout: requestTimeoutMs,
    // Node checks for expired requests every connectionsCheckingInterval (30 s by default).
    http: {
      requestTimeout: requestTimeoutMs,
      headersTimeout: Math.min(60_000, requestTimeoutMs),
      connectionsCheckingInterval: Math.max(100, Math.min(1_000, Math.floor(requestTimeoutMs / 4))),
    },
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // Router-level errors (a malformed %-escape in the path) happen before any hook: the key
    // check comes first here too, then the contract's error shape.
    frameworkErrors: (err, req, reply) => {
      const refusal = looksLikePaymentsPath(req.raw.url ?? '') ? gate.admit(req) : null;
      sendError(reply, refusal ?? asApiError(err));
    },
    clientErrorHandler: clientErrorHandler(requestTimeoutMs),
  });
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
    const apiError = asApiError(err);
    if (apiError.status >= 500) req.log[apiError.status === 503 ? 'warn' : 'error']({ err }, 'request failed');
    return sendError(reply, apiError);
  });
  app.setNotFoundHandler((req, reply) => sendError(reply, new ApiError(404, 'NOT_FOUND', `no route ${req.method} ${quoted(req.url)}`)));
  echoRequestId(app);
  // Before any route: it wraps each handler as the route is added.
  if (opts.tracing) traceRequests(app, opts.tracing.tracer);
  merchantAuth(app, gate);
  // A path id that is not a payment id names no payment: 404 without asking Temporal (which
  // refuses some ids, e.g. empty ones, with errors that are not "not found").
  app.addHook('preHandler', async (req, reply) => {
    if (!req.routeOptions.url?.startsWith('/v1/payments/:paymentId')) return;
    const id = (req.params as { paymentId?: unknown }).paymentId;
    if (!isPaymentId(id)) return sendError(reply, new ApiError(404, 'PAYMENT_NOT_FOUND', `no payment with id ${quoted(String(id ?? ''))}`));
  });
  app.addHook('onResponse', async (req, reply) => {
    metrics.request(req.method, req.routeOptions.url, reply.statusCode, reply.elapsedTime / 1000);
  });
  // First: it also lists every route registered after it (test/api-documents.test.ts).
  documentRoutes(app);
  app.get('/healthz', async () => ({ ok: true }));
  readinessRoutes(app, { temporal: deps.temporal, nats: deps.nats });
  app.get('/metrics', async (_req, reply) => reply.type(metrics.contentType).send(await metrics.render()));
  paymentRoutes(app, { ...opts, client: deps.client, metrics });
  paymentListRoutes(app, { client: deps.client, temporal: deps.temporal, tokenSecret: opts.secret });
  afterPaymentRoutes(app, { client: deps.client });
  qrRoutes(app, { client: deps.client });
  notificationRoutes(app, { ...opts, client: deps.client, metrics });
  return app;
}

export async function startApi(opts: ApiOptions): Promise<RunningApi> {
  const temporal = temporalAccess({
    address: opts.temporalAddress,
    namespace: opts.namespace,
    ...(opts.temporalConnection && { connect: opts.temporalConnection }),
    unavailableAfterMs: opts.temporalUnavailableAfterMs ?? DEFAULTS.TEMPORAL_UNAVAILABLE_AFTER_MS,
    ...(opts.tracing && { tracer: opts.tracing.tracer }),
  });
  const nats = opts.nats ? new NatsReadiness(opts.nats) : null;
  nats?.start();
  const release = async () => {
    await nats?.close();
    await temporal.close();
  };
  let app: FastifyInstance;
  let url: string;
  try {
    app = buildApp({ client: temporal.client, temporal: temporal.monitor, nats }, opts);
    url = await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await release();
    throw err;
  }
  return {
    app,
    client: temporal.client,
    url,
    async close() {
      try {
        await app.close();
        await release();
      } finally {
        // The spans of the last requests (a BatchSpanProcessor holds them for a few seconds).
        await opts.tracing?.forceFlush();
      }
    },
  };
}
