// The gateway sandbox's CANCEL (close a PENDING order, reverse a SUCCESS one on its payment date),
// the expiry of PENDING orders on the sandbox's clock, and DETAIL of an unknown order.
import { describe, expect, it } from 'vitest';
import { formatGatewayTime, parseGatewayTime } from '../domain/gateway-time.js';
import { client, control, HOUR, payRequest, pinClock, TZ, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('CANCEL', () => {
  it('closes a PENDING order, and answers S again when repeated', async () => {
    const id = uniqueId('cancel-pending');
    await client.pay(payRequest(id));
    const res = await client.cancel(id);
    expect(res.result).toMatchObject({ resultStatus: 'S' });
    expect(res.data).toMatchObject({ merchantTransId: id, status: 'CLOSED' });
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
    expect((await client.cancel(id)).result.resultStatus).toBe('S');
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(409);
  });

  it('reverses a SUCCESS payment on its payment date, not after 23:59:59 local time', async () => {
    pinClock(parseGatewayTime('2026-11-26 23:58:00', TZ)!);
    const today = uniqueId('cancel-today');
    const lastDay = uniqueId('cancel-late');
    for (const id of [today, lastDay]) {
      await client.pay(payRequest(id));
      await control('POST', `/sandbox/payments/${id}/pay`);
    }
    pinClock(parseGatewayTime('2026-11-26 23:59:58', TZ)!);
    expect((await client.cancel(today)).data?.status).toBe('CANCELLED');
    expect((await client.detail(today)).data?.status).toBe('CANCELLED');

    pinClock(parseGatewayTime('2026-11-27 00:00:00', TZ)!);
    const late = await client.cancel(lastDay);
    expect(late.result).toMatchObject({ resultStatus: 'F', resultCode: 'CANCEL_WINDOW_EXCEED' });
    expect((await client.detail(lastDay)).data?.status).toBe('SUCCESS');
  });

  it('refuses a FAIL order and an unknown one', async () => {
    const id = uniqueId('cancel-fail');
    await client.pay(payRequest(id));
    await control('POST', `/sandbox/payments/${id}/decline`);
    expect((await client.cancel(id)).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_STATUS_INVALID' });
    expect((await client.cancel(uniqueId('nobody'))).result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_NOT_EXIST' });
  });
});

describe('expiry', () => {
  it('closes a PENDING order once its expireAt has passed', async () => {
    const id = uniqueId('expiry');
    const start = Date.now();
    pinClock(start);
    await client.pay(payRequest(id, { expireAt: formatGatewayTime(start + 10 * 60_000, TZ) }));
    pinClock(start + 11 * 60_000);
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
    expect((await control('POST', `/sandbox/payments/${id}/pay`)).status).toBe(409);
  });

  it('defaults expireAt to 72 hours', async () => {
    const id = uniqueId('expiry-default');
    const start = Date.now();
    pinClock(start);
    await client.pay(payRequest(id));
    pinClock(start + 72 * HOUR - 1000);
    expect((await client.detail(id)).data?.status).toBe('PENDING');
    pinClock(start + 72 * HOUR);
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
  });
});

describe('DETAIL', () => {
  it('answers F ORDER_NOT_EXIST for an unknown order', async () => {
    const res = await client.detail(uniqueId('unknown'));
    expect(res.result).toMatchObject({ resultStatus: 'F', resultCode: 'ORDER_NOT_EXIST' });
  });
});
