// Traces and logs (README "Traces", "Logs") on the real stack: one payment's trace from the
// merchant's request through the API, the workflow, its activities and gateway calls to the event
// it publishes (the traceparent in the event and its NATS header); the one log format, with the
// gateway call lines and the request id; the OTLP exporter the configuration turns on.
import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { Runtime } from '@temporalio/worker';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config.js';
import { PaymentEvent, STREAM_NAME, subjectFor, type EventType } from '../events/schema.js';
import { createLogger, SERVICE_NAMES } from '../telemetry/logger.js';
import { startTracing, tracingFromConfig } from '../telemetry/tracing.js';
import { installRuntime } from '../worker/from-config.js';
import { TEST_API_KEY, TEST_GATEWAY } from './support/constants.js';
import { startApi } from '../api/server.js';
import { cashierBody, eventsUntil, http, testApiOptions, uniqueId, until, useService } from './support/service.js';

type Line = Record<string, unknown> & { level: string; msg: string; service: string; time: string };
const sink = (lines: Line[]) => ({ write: (line: string) => void lines.push(JSON.parse(line) as Line) });

const spans = new InMemorySpanExporter();
const apiTracing = startTracing(SERVICE_NAMES.api, new SimpleSpanProcessor(spans));
const workerTracing = startTracing(SERVICE_NAMES.worker, new SimpleSpanProcessor(spans));

// The worker's logs go through the Temporal runtime's logger, one per process: replace the setup
// file's (test/support/quiet-runtime.ts, still idle here) with the bridge worker/from-config.ts installs.
const workerLines: Line[] = [];
const apiLines: Line[] = [];
await Runtime.instance().shutdown();
installRuntime({ ...loadConfig({}), WORKER_METRICS_PORT: 0, LOG_LEVEL: 'info' }, createLogger(SERVICE_NAMES.worker, 'info', sink(workerLines)));

const { svc, shopper, paymentUrl } = useService({
  tracing: apiTracing,
  workerTracing,
  logger: createLogger(SERVICE_NAMES.api, 'info', sink(apiLines)),
  // A paid payment's workflow closes 1.5 s after it succeeds, so its own span (RunWorkflow) ends and is exported.
  graceMs: 1_000,
  refundWindowMs: 1_500,
});

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';

const byId = (all: ReadableSpan[]) => new Map(all.map((s) => [s.spanContext().spanId, s]));
/** The span's ancestors' names, nearest first, as far as exported spans go. */
function ancestry(span: ReadableSpan, all: Map<string, ReadableSpan>): string[] {
  const names: string[] = [];
  for (let parent = span.parentSpanId && all.get(span.parentSpanId); parent; parent = parent.parentSpanId && all.get(parent.parentSpanId)) names.push(parent.name);
  return names;
}

/** The NATS message of the payment's event of this type, read back from the stream with its headers. */
async function messageOf(paymentId: string, type: EventType): Promise<{ traceparent: string | undefined; body: PaymentEvent }> {
  const consumer = await svc.nats.jetstream().consumers.get(STREAM_NAME, { filterSubjects: [subjectFor('CASHIER_PAYMENT', type)] });
  for await (const m of await consumer.fetch({ max_messages: 10_000, expires: 1_000 })) {
    const body = PaymentEvent.parse(m.json());
    if (body.subject === paymentId) return { traceparent: m.headers?.get('traceparent'), body };
  }
  throw new Error(`no ${type} message for ${paymentId}`);
}

/** The traced payment of the first test, read by the log tests after it. */
const paid: { paymentId: string; merchantTransId: string; events: PaymentEvent[] } = { paymentId: '', merchantTransId: '', events: [] };

describe('one connected trace per payment', () => {

  it('follows a payment from the merchant request through the workflow and its gateway calls to its published events', async () => {
    paid.merchantTransId = uniqueId('traced');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(paid.merchantTransId), { headers: { traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` } });
    expect(created.status).toBe(201);
    paid.paymentId = created.body.paymentId as string;
    await shopper.act('pay', paid.merchantTransId);
    paid.events = await eventsUntil(svc.nats, paid.paymentId, 'payment.succeeded');
    // The workflow closes once the (test's short) refund window ends; its span ends with it.
    const run = await until('the workflow span', () =>
      spans.getFinishedSpans().find((s) => s.name === 'RunWorkflow:alipayCnPayment' && s.attributes.workflowId === paid.paymentId),
    );
    const traced = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === CALLER_TRACE);
    const index = byId(traced);
    const named = (name: string) => traced.filter((s) => s.name === name);

    // The API continues the merchant's trace, and the workflow continues the API's.
    const [request] = named('POST /v1/payments');
    expect(request.parentSpanId).toBe(CALLER_SPAN);
    expect(request.kind).toBe(SpanKind.SERVER);
    expect(request.attributes).toMatchObject({ 'http.route': '/v1/payments', 'http.response.status_code': 201 });
    expect(request.resource.attributes['service.name']).toBe(SERVICE_NAMES.api);
    // Its log line is in the same trace.
    expect(apiLines.find((l) => l.requestId === request.attributes['http.request_id'])).toMatchObject({
      msg: 'request completed',
      trace_id: CALLER_TRACE,
      span_id: request.spanContext().spanId,
    });
    expect(run.spanContext().traceId).toBe(CALLER_TRACE);
    expect(ancestry(run, index)).toEqual(['UpdateWithStartWorkflow:pay', 'POST /v1/payments']);
    expect(run.resource.attributes['service.name']).toBe(SERVICE_NAMES.worker);
    // Which workflow it was, nothing of the payment (no memo, no search attributes).
    expect(Object.keys(run.attributes).sort()).toEqual(['attempt', 'namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType']);

    // PAY: the activity and its gateway call, under the workflow.
    const [pay] = named('gateway PAY');
    expect(pay.attributes).toMatchObject({ 'gateway.api': 'PAY', 'gateway.outcome': 'S', merchantTransId: paid.merchantTransId });
    expect(ancestry(pay, index)).toEqual(['RunActivity:pay', 'StartActivity:pay', 'RunWorkflow:alipayCnPayment', 'UpdateWithStartWorkflow:pay', 'POST /v1/payments']);

    // Every event, the succeeded one too (published after the shopper paid), carries a traceparent
    // naming its publishing activity's span in this trace, in the body and in the NATS header.
    expect(paid.events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
    for (const event of paid.events) {
      const [, traceId, spanId] = (event.traceparent ?? '').split('-');
      expect(traceId).toBe(CALLER_TRACE);
      const publisher = index.get(spanId);
      expect(publisher?.name).toMatch(/^RunActivity:publishEvent(Now)?$/);
      expect(ancestry(publisher!, index).slice(-3)).toEqual(['RunWorkflow:alipayCnPayment', 'UpdateWithStartWorkflow:pay', 'POST /v1/payments']);
      const message = await messageOf(paid.paymentId, event.type.slice('alipay_cn.'.length) as EventType);
      expect(message.traceparent).toBe(event.traceparent);
      expect(message.body.traceparent).toBe(event.traceparent);
    }
  });

  it("traces the gateway's notification as its own request, into the workflow's signal handler", () => {
    const handled = spans.getFinishedSpans().find((s) => s.name === 'HandleSignal:notification' && s.attributes.workflowId === paid.paymentId);
    expect(handled).toBeDefined();
    const sameTrace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === handled!.spanContext().traceId);
    expect(ancestry(handled!, byId(sameTrace))).toEqual(['SignalWorkflow:notification', 'POST /v1/notifications/alipay-cn']);
  });

  it('loads tracing into an untraced payment at a traced signal, never at a query (queries are not replayed)', async () => {
    // An API that does not trace starts the payment on the same queue: its start has no trace context.
    const untracedApi = await startApi(testApiOptions({ taskQueue: svc.taskQueue, temporalAddress: svc.temporalAddress, rateLimit: { perSecond: 1000, burst: 1000 } }));
    try {
      const merchantTransId = uniqueId('untraced-start');
      const created = await http('POST', `${untracedApi.url}/v1/payments`, cashierBody(merchantTransId));
      expect(created.status).toBe(201);
      const paymentId = created.body.paymentId as string;
      const ofPayment = (name: string) => spans.getFinishedSpans().filter((s) => s.name === name && s.attributes.workflowId === paymentId);
      // Read through the traced API: its query carries a trace context, which must not load tracing.
      const read = await http('GET', paymentUrl(paymentId));
      expect(read.status).toBe(200);
      await until('the traced query span', () => spans.getFinishedSpans().find((s) => s.name === 'QueryWorkflow:state' && s.attributes.temporalWorkflowId === paymentId));
      expect(ofPayment('HandleQuery:state')).toEqual([]);
      // The gateway's notification reaches the traced API: its signal (in the history) loads it.
      await shopper.act('pay', merchantTransId);
      await eventsUntil(svc.nats, paymentId, 'payment.succeeded');
      await until('the signal span', () => ofPayment('HandleSignal:notification')[0]);
      expect(ofPayment('RunWorkflow:alipayCnPayment')).toEqual([]); // its start was not traced
    } finally {
      await untracedApi.close();
    }
  });

  it('starts a new trace when the caller sends none, or a malformed traceparent', async () => {
    const callers: Record<string, string>[] = [{}, { traceparent: 'not-a-traceparent' }, { traceparent: `00-${'0'.repeat(32)}-${CALLER_SPAN}-01` }];
    for (const headers of callers) {
      const merchantTransId = uniqueId('untraced');
      const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId), { headers });
      expect(created.status).toBe(201);
      const request = await until('the request span', () =>
        spans.getFinishedSpans().find((s) => s.name === 'POST /v1/payments' && s.attributes['http.request_id'] === created.headers.get('x-request-id')),
      );
      expect(request.parentSpanId).toBeUndefined();
      expect(request.spanContext().traceId).not.toBe(CALLER_TRACE);
      expect(request.spanContext().traceId).not.toBe('0'.repeat(32));
    }
  });
});

describe('one log format', () => {
  it('writes every worker line as JSON with time, level, service and message; the SDK, workflows and activities included', () => {
    expect(workerLines.length).toBeGreaterThan(0);
    for (const line of workerLines) {
      expect(line).toMatchObject({ level: expect.stringMatching(/^(trace|debug|info|warn|error|fatal)$/), service: SERVICE_NAMES.worker, msg: expect.any(String) });
      expect(new Date(line.time).toISOString()).toBe(line.time);
    }
    // The SDK's own lines come through the bridge (worker/runtime-logger.ts) with its fields.
    expect(workerLines.some((l) => l.sdkComponent === 'worker')).toBe(true);
  });

  it('logs each gateway call with the payment, the API, the outcome and the latency, in the trace', () => {
    const payCall = workerLines.find((l) => l.msg === 'gateway call' && l.paymentId === paid.paymentId && l.api === 'pay');
    expect(payCall).toMatchObject({ level: 'info', merchantTransId: paid.merchantTransId, outcome: 'S', activityType: 'pay', trace_id: CALLER_TRACE });
    expect(payCall!.latencyMs).toEqual(expect.any(Number));
    expect(payCall!.latencyMs as number).toBeGreaterThan(0);
    const detail = workerLines.filter((l) => l.msg === 'gateway call' && l.paymentId === paid.paymentId);
    expect(detail.every((l) => typeof l.api === 'string' && typeof l.outcome === 'string')).toBe(true);
  });

  it('never writes a secret: not the gateway secret, not an API key, not a signature', async () => {
    // A request with an API key and a notification with a signature have passed through by now.
    const text = JSON.stringify([...workerLines, ...apiLines]);
    expect(text).not.toContain(TEST_GATEWAY.secret);
    expect(text).not.toContain(TEST_API_KEY.secret);
    expect(text.toLowerCase()).not.toContain('signature=');
  });

  it('takes a caller x-request-id, echoes it, and names the request line with it; a malformed one is replaced', async () => {
    const given = `merchant-${uniqueId('req')}`;
    const res = await http('GET', paymentUrl(paid.paymentId), undefined, { headers: { 'x-request-id': given } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe(given);
    const line = await until('the request line', () => apiLines.find((l) => l.requestId === given));
    expect(line).toMatchObject({ service: SERVICE_NAMES.api, level: 'info', msg: 'request completed', method: 'GET', route: '/v1/payments/:paymentId', statusCode: 200 });
    expect(line.responseTimeMs).toEqual(expect.any(Number));
    // The route's pattern, never the URL: no payment id in the line.
    expect(JSON.stringify(line)).not.toContain(paid.paymentId);

    for (const bad of ['has spaces in it', 'x'.repeat(129), 'quote"d', '']) {
      const answer = await http('GET', paymentUrl(paid.paymentId), undefined, { headers: { 'x-request-id': bad } });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    // Errors and unknown routes echo it too.
    const missing = await http('GET', `${svc.apiUrl}/no/such/route`, undefined, { headers: { 'x-request-id': given } });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('x-request-id')).toBe(given);
  });
});

describe('export', () => {
  it('is off without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
    expect(tracingFromConfig(loadConfig({}), SERVICE_NAMES.api)).toBeNull();
  });

  it('sends spans over OTLP HTTP to <OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces when it is set', async () => {
    const received: { path: string; body: string }[] = [];
    const collector = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
      const tracing = tracingFromConfig(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint }), SERVICE_NAMES.worker);
      tracing!.tracer.startSpan('exported span').end();
      await tracing!.forceFlush();
      expect(received.map((r) => r.path)).toEqual(['/v1/traces']);
      expect(received[0].body).toContain('exported span');
      expect(received[0].body).toContain(SERVICE_NAMES.worker);
      await tracing!.shutdown();
    } finally {
      collector.close();
    }
  });

  it('refuses an endpoint that is not a URL, naming the variable', () => {
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
