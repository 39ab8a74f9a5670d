// PAYMENT_CODE's policy (machines/payment-code.ts) on the time-skipping server, with its defaults:
// DETAIL every 3 s, at most 15 times, within 60 s. Each limit acts: the count ends the wait of a
// shopper who never confirms (before the window), and a sooner expireAt from the merchant ends it
// before the count. Either way the payment is reversed upstream and ends CANCELLED, saying why.
import { describe, expect, it } from 'vitest';
import { PAYMENT_CODE_DEFAULTS, paymentCodeIncoherence } from '../machines/payment-code.js';
import { scriptedGateway } from './support/scripted-gateway.js';

const gateway = scriptedGateway();
const TZ = 'Asia/Shanghai';
const { pollMs, maxPolls, confirmMs } = PAYMENT_CODE_DEFAULTS;

describe('PAYMENT_CODE policy', () => {
  it('is coherent: the gateway guidance (about every 3 s, 10 to 20 times), the count ending before the window', () => {
    expect(pollMs).toBe(3_000);
    expect(maxPolls).toBeGreaterThanOrEqual(10);
    expect(maxPolls).toBeLessThanOrEqual(20);
    expect(paymentCodeIncoherence(PAYMENT_CODE_DEFAULTS)).toBeNull();
  });

  it('the poll count acts: after 15 polls that find it still waiting the payment is reversed, before the 60 s window', async () => {
    gateway.payAnswers('PAYMENT_CODE', 'PENDING');
    const start = await gateway.now();
    const p = await gateway.start('PAYMENT_CODE', TZ, { overrides: { paymentCode: PAYMENT_CODE_DEFAULTS } });
    await gateway.until(p.handle.workflowId, 'PENDING');
    await gateway.skipTo(start + confirmMs + 10_000);
    const view = await gateway.until(p.handle.workflowId, 'CANCELLED');
    expect(view.failure).toMatchObject({ code: 'SHOPPER_DID_NOT_CONFIRM' });
    expect(gateway.order(p.merchantTransId).details).toBe(maxPolls);
    expect(gateway.cancels).toContain(p.merchantTransId);
    // Given up at the poll due after the last: (15 + 1) x 3 s = 48 s in, not at the window's 60 s.
    const endedAfter = Date.parse(view.updatedAt) - start;
    expect(endedAfter).toBeGreaterThanOrEqual((maxPolls + 1) * pollMs);
    expect(endedAfter).toBeLessThan(confirmMs);
  });

  it("the window acts: the merchant's expireAt 20 s away ends the wait after 6 polls", async () => {
    gateway.payAnswers('PAYMENT_CODE', 'PENDING');
    const start = await gateway.now();
    const p = await gateway.start('PAYMENT_CODE', TZ, { expiresInMs: 20_000, overrides: { paymentCode: PAYMENT_CODE_DEFAULTS } });
    await gateway.until(p.handle.workflowId, 'PENDING');
    await gateway.skipTo(start + confirmMs + 10_000);
    const view = await gateway.until(p.handle.workflowId, 'CANCELLED');
    expect(view.failure).toMatchObject({ code: 'SHOPPER_DID_NOT_CONFIRM' });
    expect(gateway.order(p.merchantTransId).details).toBe(Math.floor(20_000 / pollMs));
    expect(Date.parse(view.updatedAt) - start).toBeGreaterThanOrEqual(20_000);
    expect(Date.parse(view.updatedAt) - start).toBeLessThan((maxPolls + 1) * pollMs);
    expect(gateway.cancels).toContain(p.merchantTransId);
  });
});
