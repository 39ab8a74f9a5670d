// Time limits on the time-skipping test server: the same-day cancellation deadline (a payment
// made at 23:59:50 gateway time can be cancelled at 23:59:58 and not at 00:00:01, in the
// default zone and in another) and the refund window. The gateway is stubbed: the clock is the point.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { timeSkippingEnv } from './support/time-skipping.js';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Activities } from '../activities/index.js';
import { workflowInput } from '../api/workflow-input.js';
import { endOfGatewayDay, formatGatewayTime } from '../domain/gateway-time.js';
import { validatePaymentRequest } from '../domain/payment-request.js';
import { WORKFLOW_TYPE, cancelUpdate, refundUpdate, stateQuery } from '../workflows/messages.js';
import { PAY_CODE, cashierBody, uniqueId } from './support/service.js';

let env: TestWorkflowEnvironment;
let worker: Worker;
let running: Promise<void>;
const taskQueue = uniqueId('deadline');
const cancels: string[] = [];

const activities: Activities = {
  pay: async () => ({ outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'SUCCESS', settlement: 'PAID', payAction: null }),
  detail: async () => ({ found: true, gatewayTransId: 'g-1', status: 'SUCCESS', settlement: 'PAID', amount: { currency: 'CNY', value: 1000 }, payAction: null }),
  cancel: async (merchantTransId) => (cancels.push(merchantTransId), { ok: true, status: 'CANCELLED' }),
  refund: async ({ refundId }) => ({ refundId, status: 'SUCCESS', gatewayRefundId: `g-${refundId}` }),
  refundDetail: async () => null,
  publishEvent: async () => ({ duplicate: false, seq: 1 }),
  publishEventNow: async () => ({ duplicate: false, seq: 1 }),
};

beforeAll(async () => {
  env = await timeSkippingEnv();
  worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, activities });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
});

/** Skips the test server's clock to `hh:mm:ss` of its current gateway day in `timeZone`. */
async function skipTo(time: string, timeZone: string) {
  const now = await env.currentTimeMs();
  const target = endOfGatewayDay(now, timeZone) - (24 * 3600_000 - 1000) + secondsOf(time) * 1000;
  const at = target > now ? target : target + 24 * 3600_000;
  await env.sleep(at - now);
}
const secondsOf = (hms: string) => hms.split(':').map(Number).reduce((acc, n) => acc * 60 + n, 0);

async function paidAtNow(timeZone: string, refundWindowMs = 365 * 24 * 3_600_000) {
  const at = await env.currentTimeMs();
  const checked = validatePaymentRequest(cashierBody(uniqueId('dl'), { product: 'PAYMENT_CODE', payCodeValue: PAY_CODE }), at, timeZone);
  if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
  const input = workflowInput(checked.value, {
    at, expiresAt: null, timeZone, defaultExpiryMs: 30 * 60_000, pollInitialMs: 10_000, pollMaxMs: 300_000,
    graceMs: 3_600_000, refundWindowMs, paymentCode: { pollMs: 3_000, maxPolls: 5, confirmMs: 60_000 },
  });
  const handle = await env.client.workflow.start(WORKFLOW_TYPE, { workflowId: input.machine.paymentId, taskQueue, args: [input] });
  for (let i = 0; (await handle.query(stateQuery)).status !== 'SUCCEEDED'; i++) {
    if (i > 100) throw new Error('payment did not succeed');
    await new Promise((r) => setTimeout(r, 20));
  }
  return { handle, merchantTransId: input.machine.merchantTransId };
}

describe.each(['Asia/Shanghai', 'America/Los_Angeles'])('cancel deadline in %s', (timeZone) => {
  it('a payment at 23:59:50 can be cancelled at 23:59:58', async () => {
    await skipTo('23:59:50', timeZone);
    const { handle, merchantTransId } = await paidAtNow(timeZone);
    expect(formatGatewayTime(await env.currentTimeMs(), timeZone)).toMatch(/23:59:5\d$/);
    await env.sleep(8_000);
    expect((await handle.query(stateQuery)).allowed.cancel).toBe(true);
    const view = await handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'test' }] });
    expect(view.status).toBe('CANCELLED');
    expect(cancels).toContain(merchantTransId);
  });

  it('… and not at 00:00:01: 409 CANCEL_WINDOW_CLOSED, allowed.cancel false, nothing sent upstream', async () => {
    await skipTo('23:59:50', timeZone);
    const { handle, merchantTransId } = await paidAtNow(timeZone);
    await env.sleep(11_000);
    expect(formatGatewayTime(await env.currentTimeMs(), timeZone)).toMatch(/ 00:00:0\d$/);
    expect((await handle.query(stateQuery)).allowed.cancel).toBe(false);
    await expect(handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'test' }] })).rejects.toMatchObject({ cause: { type: 'CANCEL_WINDOW_CLOSED' } });
    expect((await handle.query(stateQuery)).status).toBe('SUCCEEDED');
    expect(cancels).not.toContain(merchantTransId);
  });
});

describe('refund window', () => {
  it('refunds while the window is open; when it closes the workflow completes and refunds are refused', async () => {
    const window = 2 * 24 * 3_600_000;
    const { handle } = await paidAtNow('Asia/Shanghai', window);
    await env.sleep(window - 60_000);
    const refund = await handle.executeUpdate(refundUpdate, { args: [{ refundId: 'r-1', amount: { currency: 'CNY', value: 400 }, reason: null }] });
    expect(refund.refund.status).toBe('PENDING');
    expect((await handle.query(stateQuery)).allowed.refundableAmount.value).toBe(600);
    await handle.result(); // the window closes: the workflow completes
    expect((await handle.describe()).status.name).toBe('COMPLETED');
    await expect(handle.executeUpdate(refundUpdate, { args: [{ refundId: 'r-2', amount: { currency: 'CNY', value: 100 }, reason: null }] })).rejects.toThrow();
    expect((await handle.query(stateQuery)).refunds.map((r) => r.refundId)).toEqual(['r-1']);
  });
});
