// Each request's id and span. The id: the caller's `x-request-id` when it is a plain token (1 to
// 128 of A-Z a-z 0-9 - _ . : /), else a new UUID; it is echoed on the answer and names the
// request's log lines (`requestId`). The span (when tracing is on): a server span per request,
// named by the route pattern, continuing the caller's `traceparent` when it sends a valid one, and
// active while the handler runs, so the Temporal client calls it makes (start, update, signal)
// carry it into the workflow.
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { contextFromHeaders } from '../telemetry/tracing.js';
import { UNMATCHED_ROUTE } from './metrics.js';

export const REQUEST_ID_HEADER = 'x-request-id';
const REQUEST_ID = /^[A-Za-z0-9._:/-]{1,128}$/;

/** Fastify's genReqId: the caller's id when it is a plain token, else a fresh one. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers[REQUEST_ID_HEADER];
  return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
}

/** Echoes the request id on every answer (errors and 404s included). */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook('onSend', async (req, reply) => {
    reply.header(REQUEST_ID_HEADER, req.id);
  });
}

/**
 * Server spans for every request. Call before any route is registered: the handlers are wrapped as
 * the routes are added.
 */
export function traceRequests(app: FastifyInstance, tracer: Tracer): void {
  const spans = new WeakMap<FastifyRequest, Span>();
  app.addHook('onRequest', async (req) => {
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE;
    const span = tracer.startSpan(
      `${req.method} ${route}`,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': req.method, 'http.route': route, 'http.request_id': req.id } },
      contextFromHeaders(req.headers),
    );
    spans.set(req, span);
    // The request's log lines (its `request completed` included) carry the trace they belong to.
    req.log = req.log.child({ trace_id: span.spanContext().traceId, span_id: span.spanContext().spanId });
  });
  app.addHook('onRoute', (route: RouteOptions) => {
    const handler = route.handler;
    route.handler = function traced(this: FastifyInstance, req, reply) {
      const span = spans.get(req);
      return span ? context.with(trace.setSpan(context.active(), span), () => handler.call(this, req, reply)) : handler.call(this, req, reply);
    };
  });
  const end = (req: FastifyRequest, status: number | null) => {
    const span = spans.get(req);
    if (!span) return;
    spans.delete(req);
    if (status !== null) span.setAttribute('http.response.status_code', status);
    if (status === null || status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, ...(status === null && { message: 'the caller went away' }) });
    span.end();
  };
  app.addHook('onResponse', async (req, reply) => end(req, reply.statusCode));
  app.addHook('onRequestAbort', async (req) => end(req, null));
}
