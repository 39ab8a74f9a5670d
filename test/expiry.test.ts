// Expiry on the time-skipping test server: nobody pays, the workflow's durable timer fires at
// expireAt, a last DETAIL still finds the order open, so it is closed upstream and the payment
// ends EXPIRED. Real activities: the sandbox and NATS of the global setup.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from './support/time-skipping.js';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { workflowInput } from '../api/workflow-input.js';
import { validatePaymentRequest } from '../domain/payment-request.js';
import { startWorker, type RunningWorker } from '../worker/worker.js';
import { TASK_QUEUE, WORKFLOW_TYPE, stateQuery } from '../workflows/messages.js';
import { TEST_GATEWAY } from './support/constants.js';
import { cashierBody, eventsUntil, http, uniqueId } from './support/service.js';

let env: TestWorkflowEnvironment;
let worker: RunningWorker;
let nats: NatsConnection;
const sandboxUrl = inject('sandboxUrl');

beforeAll(async () => {
  env = await timeSkippingEnv();
  worker = await startWorker({
    temporalAddress: env.address,
    namespace: env.namespace ?? 'default',
    natsUrl: inject('natsUrl'),
    gateway: { baseUrl: sandboxUrl, clientId: TEST_GATEWAY.clientId, secret: TEST_GATEWAY.secret, timeoutMs: 2_000 },
    // Nothing listens here: this test is about the absence of any result.
    notifyUrl: `http://127.0.0.1:9${NOTIFICATION_PATH}`,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  nats = await connect({ servers: inject('natsUrl') });
});

afterAll(async () => {
  await nats?.drain();
  await worker?.stop();
  await env?.teardown();
});

it('expires at expireAt: last DETAIL, close upstream, EXPIRED published, workflow completes after the grace period', async () => {
  const id = uniqueId('expiry');
  const at = Date.now();
  const checked = validatePaymentRequest(cashierBody(id), at, TEST_GATEWAY.timeZone);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const input = workflowInput(checked.value, {
    at,
    expiresAt: null,
    timeZone: TEST_GATEWAY.timeZone,
    defaultExpiryMs: 30 * 60_000,
    pollInitialMs: 10_000,
    pollMaxMs: 300_000,
    graceMs: 24 * 3600_000,
    paymentCode: { pollMs: 3_000, maxPolls: 20, confirmMs: 60_000 },
    refundWindowMs: 365 * 24 * 3600_000,
  });
  const handle = await env.client.workflow.start(WORKFLOW_TYPE, { workflowId: input.machine.paymentId, taskQueue: TASK_QUEUE, args: [input] });
  // result() lets the test server skip time: 30 minutes of polling, the expiry, then a day of grace.
  await handle.result();

  const view = await handle.query(stateQuery);
  expect(view).toMatchObject({ status: 'EXPIRED', machineState: 'expired', payAction: { type: 'QRCODE' } });
  const events = await eventsUntil(nats, input.machine.paymentId, 'payment.expired');
  expect(events.map((e) => [e.sequence, e.type])).toEqual([
    [1, 'alipay_cn.payment.pending'],
    [2, 'alipay_cn.payment.expired'],
  ]);
  // The order was closed upstream, so the shopper can no longer pay it.
  const order = await http('GET', `${sandboxUrl}/sandbox/payments/${id}`);
  expect(order.body.status).toBe('CLOSED');
  expect((await http('POST', `${sandboxUrl}/sandbox/payments/${id}/pay`)).status).toBe(409);

  // Polls were on the backoff schedule (10 s doubling to 5 min), not once a second: bounded history.
  const history = await handle.fetchHistory();
  const detailCalls = history.events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'detail').length;
  expect(detailCalls).toBeGreaterThanOrEqual(8);
  expect(detailCalls).toBeLessThanOrEqual(14);
});
