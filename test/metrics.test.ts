// Metrics end to end (README "Metrics"), on the real stack: the API's /metrics (prom-client, one
// registry per API) and the worker's Prometheus endpoint (the Temporal SDK runtime's exporter, with
// the SDK's own metrics and the business histograms recorded through its meter), after a payment
// the shopper pays and the merchant refunds in part; gateway calls that time out or fail; a payment
// that continues as new before it is paid.
import { Runtime } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { startApi } from '../api/server.js';
import { freePort } from '../devservers/servers.js';
import { loadConfig } from '../config/config.js';
import { createLogger, SERVICE_NAMES } from '../telemetry/logger.js';
import { installRuntime } from '../worker/from-config.js';
import { cashierBody, eventsUntil, http, testApiOptions, uniqueId, useService } from './support/service.js';

// The SDK runtime is one per process and takes its exporter when installed, before any worker or
// connection exists. The setup file (test/support/quiet-runtime.ts) installed one without
// metrics, still idle here: replace it with the one worker/from-config.ts installs.
const workerMetricsPort = await freePort();
await Runtime.instance().shutdown();
installRuntime({ ...loadConfig({}), WORKER_METRICS_HOST: '127.0.0.1', WORKER_METRICS_PORT: workerMetricsPort, LOG_LEVEL: 'warn' }, createLogger(SERVICE_NAMES.worker, 'warn'));
const workerMetricsUrl = `http://127.0.0.1:${workerMetricsPort}/metrics`;

const { svc, shopper, paymentUrl } = useService({});

async function scrape(url: string): Promise<{ contentType: string; text: string }> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return { contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of the Prometheus text format. */
function samples(text: string): Sample[] {
  const out: Sample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || line.startsWith('#')) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return out;
}

/** The value of the series `name` whose labels include `labels`, summed over the others; undefined when none. */
function valueOf(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const matching = samples(text).filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return matching.length === 0 ? undefined : matching.reduce((sum, s) => sum + s.value, 0);
}

/** Every `# TYPE` has its `# HELP` with a text. */
function typesWithoutHelp(text: string): string[] {
  const helped = new Set([...text.matchAll(/^# HELP (\S+) \S.*$/gm)].map((m) => m[1]));
  return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]).filter((name) => !helped.has(name));
}

describe('metrics', () => {
  it('one paid, refunded payment: request histograms, payments created, notifications, the worker\'s SDK and business metrics', async () => {
    const started = Date.now();
    const id = uniqueId('metrics');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
    expect(created.status).toBe(201);
    const paymentId = created.body.paymentId as string;
    // The same request again answers the same payment: 200, not a second creation.
    expect((await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id))).status).toBe(200);
    expect((await shopper.act('pay', id)).status).toBe(200);
    const paid = (await eventsUntil(svc.nats, paymentId, 'payment.succeeded')).find((e) => e.type === 'alipay_cn.payment.succeeded')!;
    expect((await http('POST', paymentUrl(paymentId, '/refunds'), { refundId: 'r-1', amount: { currency: 'CNY', value: 300 } })).status).toBe(202);
    await eventsUntil(svc.nats, paymentId, 'refund.succeeded');
    expect((await http('GET', paymentUrl(paymentId))).status).toBe(200);
    expect((await http('GET', `${svc.apiUrl}/no/such/route-${id}`)).status).toBe(404);

    // The API: text format 0.0.4, a help line for every metric.
    // The sandbox's notification of the payment reached the webhook.
    await expect
      .poll(async () => valueOf((await scrape(`${svc.apiUrl}/metrics`)).text, 'alipay_cn_notifications_total', { outcome: 'signalled' }) ?? 0, { timeout: 15_000 })
      .toBeGreaterThanOrEqual(1);
    const api = await scrape(`${svc.apiUrl}/metrics`);
    expect(api.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(typesWithoutHelp(api.text)).toEqual([]);
    expect(api.text).toMatch(/^# HELP http_request_duration_seconds \S/m);
    expect(api.text).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    // Durations by method, route pattern and status: the create (201), the repeat (200), the GET by pattern.
    const post201 = { method: 'POST', route: '/v1/payments', status_code: '201' };
    expect(valueOf(api.text, 'http_request_duration_seconds_bucket', { ...post201, le: '+Inf' })).toBe(1);
    expect(valueOf(api.text, 'http_request_duration_seconds_count', post201)).toBe(1);
    expect(valueOf(api.text, 'http_request_duration_seconds_sum', post201)).toBeGreaterThan(0);
    expect(valueOf(api.text, 'http_request_duration_seconds_count', { method: 'POST', route: '/v1/payments', status_code: '200' })).toBe(1);
    expect(valueOf(api.text, 'http_request_duration_seconds_count', { method: 'GET', route: '/v1/payments/:paymentId', status_code: '200' })).toBe(1);
    expect(valueOf(api.text, 'http_request_duration_seconds_count', { method: 'POST', route: '/v1/payments/:paymentId/refunds', status_code: '202' })).toBe(1);
    // A URL no route matches counts under one fixed label; no raw URL or payment id becomes a label.
    expect(valueOf(api.text, 'http_request_duration_seconds_count', { route: 'unknown', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(api.text).not.toContain(id);
    // Payments created by product: the repeat does not count.
    expect(valueOf(api.text, 'alipay_cn_payments_created_total', { product: 'CASHIER_PAYMENT' })).toBe(1);
    // The counters that were there before prom-client keep their names and labels.
    expect(valueOf(api.text, 'alipay_cn_http_requests_total', { route: '/v1/payments', status: '201' })).toBe(1);
    expect(api.text).toMatch(/^# HELP alipay_cn_notifications_total \S/m);
    // Process and Node.js metrics.
    expect(valueOf(api.text, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(valueOf(api.text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(api.text).toMatch(/^nodejs_eventloop_lag_seconds /m);

    // The worker: the time to the final status is observed once the lookup of the creation returns.
    const toFinal = { product: 'CASHIER_PAYMENT', status: 'SUCCEEDED' };
    await expect
      .poll(async () => valueOf((await scrape(workerMetricsUrl)).text, 'alipay_cn_payment_time_to_final_seconds_count', toFinal), { timeout: 15_000 })
      .toBe(1);
    const worker = await scrape(workerMetricsUrl);
    expect(worker.contentType).toMatch(/^text\/plain/);
    expect(typesWithoutHelp(worker.text)).toEqual([]);
    // From the creation (the workflow's start) to the succeeded event's time.
    const createdAt = (await svc.api.client.workflow.getHandle(paymentId).describe()).startTime.getTime();
    const seconds = valueOf(worker.text, 'alipay_cn_payment_time_to_final_seconds_sum', toFinal)!;
    expect(seconds).toBeCloseTo((Date.parse(paid.time) - createdAt) / 1000, 3);
    expect(seconds).toBeGreaterThan(0);
    expect(seconds).toBeLessThan((Date.now() - started) / 1000);
    expect(valueOf(worker.text, 'alipay_cn_payment_time_to_final_seconds_bucket', { ...toFinal, le: '86400' })).toBe(1);
    // A refund is no new final status: SUCCEEDED stays the one observation.
    expect(valueOf(worker.text, 'alipay_cn_payment_time_to_final_seconds_count')).toBe(1);
    // Every gateway call, by API and outcome, with buckets in seconds.
    expect(valueOf(worker.text, 'alipay_cn_gateway_call_duration_seconds_count', { api: 'pay', outcome: 'S' })).toBe(1);
    expect(valueOf(worker.text, 'alipay_cn_gateway_call_duration_seconds_count', { api: 'refund' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(worker.text, 'alipay_cn_gateway_call_duration_seconds_bucket', { api: 'pay', outcome: 'S', le: '10' })).toBe(1);
    expect(worker.text).toMatch(/^# HELP alipay_cn_gateway_call_duration_seconds \S/m);
    // The SDK's own worker metrics on the same endpoint.
    expect(worker.text).toMatch(/^temporal_worker_task_slots_available\{/m);
    expect(valueOf(worker.text, 'temporal_local_activity_execution_latency_count', { activity_type: 'pay' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(worker.text, 'temporal_activity_execution_latency_count', { activity_type: 'refund' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(worker.text, 'temporal_workflow_task_execution_latency_count')).toBeGreaterThanOrEqual(1);
  });

  it('labels a gateway call that timed out, and one answered 5xx', async () => {
    await shopper.faults({ failNext: { pay: 1, mode: 'timeout' } });
    const slow = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('metrics-timeout')));
    expect(slow.status).toBe(201);
    await shopper.faults({ failNext: { pay: 1, mode: 'error' } });
    expect((await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('metrics-5xx')))).status).toBe(201);
    await expect
      .poll(async () => {
        const { text } = await scrape(workerMetricsUrl);
        return [valueOf(text, 'alipay_cn_gateway_call_duration_seconds_count', { api: 'pay', outcome: 'timeout' }), valueOf(text, 'alipay_cn_gateway_call_duration_seconds_count', { api: 'pay', outcome: 'error' })];
      })
      .toEqual([1, 1]);
    expect(valueOf((await scrape(`${svc.apiUrl}/metrics`)).text, 'alipay_cn_payments_created_total', { product: 'CASHIER_PAYMENT' })).toBe(3);
  });

  it('measures the time to a final status from the first run when the payment continued as new', async () => {
    // An API whose payments poll DETAIL every 200 ms and continue as new past 40 history events:
    // the payment moves to a second run while it waits for the shopper.
    const api = await startApi(testApiOptions({ historyLimit: 40, pollInitialMs: 200, pollMaxMs: 200, taskQueue: svc.taskQueue }));
    try {
      const toFinal = { product: 'CASHIER_PAYMENT', status: 'SUCCEEDED' };
      const before = await scrape(workerMetricsUrl);
      const [countBefore, sumBefore] = [
        valueOf(before.text, 'alipay_cn_payment_time_to_final_seconds_count', toFinal) ?? 0,
        valueOf(before.text, 'alipay_cn_payment_time_to_final_seconds_sum', toFinal) ?? 0,
      ];
      const id = uniqueId('metrics-can');
      const started = Date.now();
      const created = await http('POST', `${api.url}/v1/payments`, cashierBody(id));
      expect(created.status).toBe(201);
      const handle = api.client.workflow.getHandle(created.body.paymentId);
      const first = await handle.describe();
      await expect.poll(async () => (await handle.describe()).runId, { timeout: 30_000 }).not.toBe(first.runId);
      const second = await handle.describe();
      expect(second.raw.workflowExecutionInfo?.firstRunId).toBe(first.runId);
      expect((await shopper.act('pay', id)).status).toBe(200);
      const events = await eventsUntil(svc.nats, created.body.paymentId, 'payment.succeeded');
      const succeededAt = Date.parse(events.find((e) => e.type === 'alipay_cn.payment.succeeded')!.time);
      await expect
        .poll(async () => valueOf((await scrape(workerMetricsUrl)).text, 'alipay_cn_payment_time_to_final_seconds_count', toFinal), { timeout: 15_000 })
        .toBe(countBefore + 1);
      const seconds = valueOf((await scrape(workerMetricsUrl)).text, 'alipay_cn_payment_time_to_final_seconds_sum', toFinal)! - sumBefore;
      // From the first run's start (the creation), not the second's, to the event's time.
      expect(seconds).toBeCloseTo((succeededAt - first.startTime.getTime()) / 1000, 3);
      expect(seconds).toBeGreaterThan((succeededAt - second.startTime.getTime()) / 1000);
      expect(seconds).toBeLessThan((Date.now() - started) / 1000 + 1);
    } finally {
      await api.close();
    }
  });
});
