// Records workflow histories for the replay test (test/replay.test.ts): runs a few cashier
// payments end to end on fresh servers and saves each history as JSON under test/histories/.
// Re-record only when a workflow change is meant to be incompatible; old histories are the guard
// that running payments still replay. Usage: `npx tsx scripts/record-histories.ts`.
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { startApi } from '../api/server.js';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';
import { startNats, startTemporalDev } from '../devservers/servers.js';
import { startSandbox } from '../sandbox/server.js';
import { SERVICE_NAMES } from '../telemetry/logger.js';
import { DROP_SPANS, startTracing } from '../telemetry/tracing.js';
import { startWorker } from '../worker/worker.js';

const secret = 'record-histories-secret-0123';
const apiKey = { name: 'rec', secret: 'record-histories-api-key-0123456789abcdef' };
/** Histories are kept per release, so each behaviour a running payment may still have replays. */
const RELEASE = 'v0.7';
/**
 * Since 0.7 the histories are of traced payments: their start and signals carry the trace context
 * in their headers, so the workflow loads OpenTelemetry's interceptors (workflows/tracing.ts). The
 * spans themselves are dropped. Untraced payments are what the 0.6 and older histories replay.
 */
const tracing = { api: startTracing(SERVICE_NAMES.api, DROP_SPANS.spanProcessor), worker: startTracing(SERVICE_NAMES.worker, DROP_SPANS.spanProcessor) };
const dir = mkdtempSync(join(tmpdir(), 'record-'));
const temporal = await startTemporalDev({ uiPort: null });
const nats = await startNats({ storeDir: join(dir, 'js') });
const sandbox = await startSandbox({ port: 0, clientId: 'rec', secret, notifyRetryMs: [0, 100, 200], timezone: 'Asia/Shanghai' });
const api = await startApi({
  temporalAddress: temporal.address, namespace: 'default', secret, host: '127.0.0.1', port: 0, timeZone: 'Asia/Shanghai',
  defaultExpiryMs: 1_800_000, pollInitialMs: 300, pollMaxMs: 600, graceMs: 1_000, refundWindowMs: 1_000,
  paymentCode: { pollMs: 300, maxPolls: 5, confirmMs: 3_000 },
  apiKeys: [apiKey], notificationMaxAgeMs: 300_000, clientId: 'rec', tracing: tracing.api,
});
const worker = await startWorker({
  temporalAddress: temporal.address, namespace: 'default', natsUrl: nats.url,
  gateway: { baseUrl: sandbox.url, clientId: 'rec', secret, timeoutMs: 1_000 }, notifyUrl: `${api.url}${NOTIFICATION_PATH}`,
  tracing: tracing.worker,
});
const post = (url: string, body?: unknown) =>
  fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey.secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
const body = (id: string) => ({
  merchantTransId: id, paymentMethod: 'ALIPAY_CN', product: 'CASHIER_PAYMENT', amount: { currency: 'CNY', value: 1000 },
  goods: { description: 'Green tea' }, riskData: { device: { os: 'iOS' } },
});

const scenarios: { name: string; faults: object; shopper: 'pay' | 'decline'; thenCancel?: boolean }[] = [
  { name: 'cashier-paid-by-notification', faults: {}, shopper: 'pay' },
  { name: 'cashier-declined', faults: {}, shopper: 'decline' },
  { name: 'cashier-paid-found-by-detail', faults: { dropNotifications: 1 }, shopper: 'pay' },
  { name: 'cashier-unknown-pay-reconciled', faults: { failNext: { pay: 1, mode: 'unknown' } }, shopper: 'pay' },
  // Since 0.6: the cancellation period moves to the paid date, and the merchant cancels within it.
  { name: 'cashier-paid-then-cancelled', faults: {}, shopper: 'pay', thenCancel: true },
];
try {
  for (const { name, faults, shopper, thenCancel } of scenarios) {
    const id = `rec-${name}-${Date.now()}`;
    await fetch(`${sandbox.url}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    const res = await post(`${api.url}/v1/payments`, body(id));
    if (res.status !== 201) throw new Error(`${name}: POST answered ${res.status}`);
    await post(`${sandbox.url}/sandbox/payments/${id}/${shopper}`);
    const handle = api.client.workflow.getHandle(`alipay-cn:${id}`);
    if (thenCancel) {
      while ((await handle.query('state') as { status: string }).status !== 'SUCCEEDED') await new Promise((r) => setTimeout(r, 50));
      const cancelled = await post(`${api.url}/v1/payments/${encodeURIComponent(`alipay-cn:${id}`)}/cancel`);
      if (cancelled.status !== 200) throw new Error(`${name}: cancel answered ${cancelled.status} ${await cancelled.text()}`);
    }
    await handle.result(); // the short grace and refund windows let each workflow complete
    const history = await handle.fetchHistory();
    writeFileSync(join(ROOT, 'test', 'histories', `${name}.${RELEASE}.json`), historyToJSON(history));
    console.log(`recorded ${name}: ${history.events?.length} events`);
  }
} finally {
  await worker.stop();
  await api.close();
  await sandbox.close();
  await Promise.all([temporal.stop(), nats.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
