// The machines' paths replayed against the real workflow on the time-skipping test server:
// events as scripted gateway answers and signals, timers skipped. The workflow must pass through
// the same final state and publish the same events as the pure machine says.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from './support/time-skipping.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { entryWorkflowInput, workflowInput, type InputOptions } from '../api/workflow-input.js';
import type { Product } from '../gateway/wire.js';
import type { PaymentEvent } from '../machines/index.js';
import { WORKFLOW_TYPE, stateQuery } from '../workflows/messages.js';
import { journeyPaths, representativePaths } from './machines/events.js';
import { PAY_CODE, cashierBody, uniqueId } from './support/service.js';
import { planPath } from './support/workflow-driver.js';
import { workflowSpanSinks } from '../worker/worker.js';
import { validatePaymentRequest } from '../domain/payment-request.js';

let env: TestWorkflowEnvironment;

beforeAll(async () => {
  env = await timeSkippingEnv();
});
afterAll(async () => env?.teardown());

const OPTIONS: InputOptions = {
  timeZone: 'Asia/Shanghai',
  defaultExpiryMs: 30 * 60_000,
  pollInitialMs: 10_000,
  pollMaxMs: 300_000,
  graceMs: 3_600_000,
  refundWindowMs: 24 * 3_600_000,
  paymentCode: { pollMs: 3_000, maxPolls: 2, confirmMs: 60_000 },
};

/** Deadlines count from the test server's clock, which runs ahead of ours once time is skipped. */
async function inputFor(product: Product, events: PaymentEvent[]) {
  const at = await env.currentTimeMs();
  if (product === 'ENTRY_CODE') {
    const first = events.find((e) => e.type === 'NOTIFIED') as Extract<PaymentEvent, { type: 'NOTIFIED' }>;
    return entryWorkflowInput(
      { notifyId: first.notifyId, notifyType: 'PAYMENT_RESULT', merchantTransId: uniqueId('entry'), gatewayTransId: uniqueId('g'), product, status: first.status, amount: { currency: 'CNY', value: 1000 } },
      { ...OPTIONS, at },
    );
  }
  const body = cashierBody(uniqueId(`path-${product.toLowerCase()}`), product === 'PAYMENT_CODE' ? { product, payCodeValue: PAY_CODE } : { product });
  const checked = validatePaymentRequest(body, at, OPTIONS.timeZone);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  return workflowInput(checked.value, { ...OPTIONS, at, expiresAt: null });
}

const PRODUCTS: Product[] = ['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'];

describe.each(PRODUCTS)('%s paths on the real workflow', (product) => {
  it.each([...representativePaths(product), ...journeyPaths(product)])('$name', async ({ events }) => {
    const input = await inputFor(product, events);
    const run = planPath(env.client, input, events, (ms) => env.sleep(ms));
    const taskQueue = uniqueId('paths');
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: { codePath: inject('workflowBundlePath') },
      sinks: workflowSpanSinks(),
      activities: run.activities,
    });
    await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(WORKFLOW_TYPE, { workflowId: input.machine.paymentId, taskQueue, args: [input] });
      await run.sendOutsideEvents();
      await handle.result(); // skips the polls, the expiry and the grace period
      const view = await handle.query(stateQuery);
      expect(view.machineState).toBe(run.expectedStates.at(-1));
    });
    expect(run.published).toEqual(run.expectedPublished);
    expect(run.unused(), JSON.stringify(run.published)).toEqual([]);
  });
});
