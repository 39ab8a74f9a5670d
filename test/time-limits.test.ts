// Time limits on the time-skipping test server: the same-day cancellation deadline (a payment
// made at 23:59:50 gateway time can be cancelled at 23:59:58 and not at 00:00:01, in the
// default zone and in another) and the refund window. The gateway is stubbed: the clock is the point.
import { describe, expect, it } from 'vitest';
import { endOfGatewayDay, formatGatewayTime } from '../domain/gateway-time.js';
import { cancelUpdate, refundUpdate, stateQuery } from '../workflows/messages.js';
import { scriptedGateway } from './support/scripted-gateway.js';

const gateway = scriptedGateway();
const cancels = gateway.cancels;
const env = { currentTimeMs: gateway.now, sleep: async (ms: number) => gateway.skipTo((await gateway.now()) + ms) };

/** Skips the test server's clock to `hh:mm:ss` of its current gateway day in `timeZone`. */
async function skipTo(time: string, timeZone: string) {
  const now = await env.currentTimeMs();
  const target = endOfGatewayDay(now, timeZone) - (24 * 3600_000 - 1000) + secondsOf(time) * 1000;
  const at = target > now ? target : target + 24 * 3600_000;
  await env.sleep(at - now);
}
const secondsOf = (hms: string) => hms.split(':').map(Number).reduce((acc, n) => acc * 60 + n, 0);

/** A PAYMENT_CODE paid at once (PAY answers SUCCESS), now. */
async function paidAtNow(timeZone: string, refundWindowMs = 365 * 24 * 3_600_000) {
  gateway.payAnswers('PAYMENT_CODE', 'SUCCESS');
  const { handle, merchantTransId } = await gateway.start('PAYMENT_CODE', timeZone, { overrides: { refundWindowMs } });
  await gateway.until(handle.workflowId, 'SUCCEEDED');
  return { handle, merchantTransId };
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
