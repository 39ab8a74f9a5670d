// ENTRY_CODE in the gateway sandbox: payments of the static code (POST /sandbox/entry-code/pay) and
// their notifications, and the static EMVCo payload of GET /sandbox/entry-code/{codeId}.
import { describe, expect, it } from 'vitest';
import { verify } from '../gateway/signing.js';
import { startSandbox } from '../sandbox/server.js';
import { client, CLIENT_ID, control, deliveriesOf, notificationsFor, NOTIFY_PATH, notifyUrl, SECRET, TZ, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('ENTRY_CODE', () => {
  const entryPay = (body: object) => control('POST', '/sandbox/entry-code/pay', { amount: { currency: 'CNY', value: 1200 }, codeId: 'shop-42.counter_1', ...body });

  it('uses the sandbox entryCodeNotifyUrl when the body names no notifyUrl; a body notifyUrl wins', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0, 50], timezone: TZ, entryCodeNotifyUrl: notifyUrl });
    try {
      const res = await fetch(`${other.url}/sandbox/entry-code/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: { currency: 'CNY', value: 880 }, codeId: 'counter-7' }),
      });
      expect(res.status).toBe(200);
      const { merchantTransId, status } = (await res.json()) as { merchantTransId: string; status: string };
      expect(status).toBe('SUCCESS');
      const [n] = await notificationsFor(merchantTransId);
      expect(n!.path).toBe(NOTIFY_PATH);
      expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: n!.body, headers: n!.headers })).toBe(true);
      expect(n!.notification).toMatchObject({ product: 'ENTRY_CODE', status: 'SUCCESS', codeId: 'counter-7', amount: { value: 880 } });

      const explicitUrl = `${notifyUrl}/explicit`;
      const explicit = await fetch(`${other.url}/sandbox/entry-code/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ amount: { currency: 'CNY', value: 881 }, codeId: 'counter-7', notifyUrl: explicitUrl }),
      });
      const [m] = await notificationsFor(((await explicit.json()) as { merchantTransId: string }).merchantTransId);
      expect(m!.path).toBe(`${NOTIFY_PATH}/explicit`);
    } finally {
      await other.close();
    }
  });

  it('refuses to start with an entryCodeNotifyUrl that is not an http(s) URL', async () => {
    await expect(startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ, entryCodeNotifyUrl: 'ftp://x/y' })).rejects.toThrow(/entryCodeNotifyUrl/);
  });

  it('status FAIL: a failed entry-code payment sends a FAIL notification', async () => {
    const res = await entryPay({ notifyUrl, status: 'FAIL' });
    expect(res.status).toBe(200);
    expect(res.json.status).toBe('FAIL');
    const [n] = await notificationsFor(res.json.merchantTransId);
    expect(n!.notification).toMatchObject({ product: 'ENTRY_CODE', status: 'FAIL', codeId: 'shop-42.counter_1', gatewayTransId: res.json.gatewayTransId });
    expect(n!.notification.paidAt).toBeUndefined();
    expect((await client.detail(res.json.merchantTransId)).data).toMatchObject({ product: 'ENTRY_CODE', status: 'FAIL' });
  });

  it('refuses a bad status or codeId', async () => {
    expect((await entryPay({ notifyUrl, status: 'PENDING' })).json.error.details[0].path).toBe('status');
    expect((await entryPay({ notifyUrl, codeId: 'has space' })).json.error.details[0].path).toBe('codeId');
    expect((await entryPay({ notifyUrl, codeId: 'x'.repeat(65) })).status).toBe(400);
  });

  it('duplicateNotifications applies: the acknowledged notification comes twice, same notifyId', async () => {
    await control('PUT', '/sandbox/faults', { duplicateNotifications: 1 });
    const res = await entryPay({ notifyUrl });
    const [a, b] = await notificationsFor(res.json.merchantTransId, 2);
    expect(b!.notification.notifyId).toBe(a!.notification.notifyId);
    expect(b!.body).toBe(a!.body);
    expect(verify({ secret: SECRET, method: 'POST', path: NOTIFY_PATH, body: b!.body, headers: b!.headers })).toBe(true);
    await expect.poll(async () => (await deliveriesOf(res.json.merchantTransId)).map((d) => [d.duplicate, d.acked])).toEqual([
      [false, true],
      [true, true],
    ]);
  });

  it('dropNextNotifications applies: the lost attempt is retried on schedule', async () => {
    await control('PUT', '/sandbox/faults', { dropNextNotifications: 1 });
    const res = await entryPay({ notifyUrl });
    await notificationsFor(res.json.merchantTransId);
    await expect.poll(async () => (await deliveriesOf(res.json.merchantTransId))[0]?.acked).toBe(true);
    expect((await deliveriesOf(res.json.merchantTransId))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'ACKED']);
  });

  describe('GET /sandbox/entry-code/{codeId}: the static EMVCo code', () => {
    /** CRC-16/CCITT-FALSE written out independently of the sandbox's. */
    function crc16(text: string): string {
      let crc = 0xffff;
      for (const byte of new TextEncoder().encode(text)) {
        for (let bit = 7; bit >= 0; bit--) {
          const top = ((crc >> 15) & 1) ^ ((byte >> bit) & 1);
          crc = (crc << 1) & 0xffff;
          if (top) crc ^= 0x1021;
        }
      }
      return crc.toString(16).toUpperCase().padStart(4, '0');
    }

    /** Top-level ID-length-value objects of an EMVCo payload, in order. */
    function tlvs(payload: string): Array<[string, string]> {
      const out: Array<[string, string]> = [];
      for (let i = 0; i < payload.length; ) {
        const id = payload.slice(i, i + 2);
        const len = Number(payload.slice(i + 2, i + 4));
        expect(Number.isInteger(len)).toBe(true);
        out.push([id, payload.slice(i + 4, i + 4 + len)]);
        i += 4 + len;
        expect(i).toBeLessThanOrEqual(payload.length);
      }
      return out;
    }

    it('the CRC of the test is CRC-16/CCITT-FALSE (check value 29B1)', () => {
      expect(crc16('123456789')).toBe('29B1');
    });

    it('answers a static merchant-presented payload for the codeId whose CRC verifies', async () => {
      const codeId = 'shop-42.counter_1';
      const res = await control('GET', `/sandbox/entry-code/${codeId}`);
      expect(res.status).toBe(200);
      expect(res.json.codeId).toBe(codeId);
      const payload = res.json.emvco as string;
      expect(payload.startsWith('000201010211')).toBe(true);

      const objects = tlvs(payload);
      const byId = new Map(objects);
      expect(byId.get('00')).toBe('01');
      expect(byId.get('01')).toBe('11'); // static: the shopper types the amount
      expect(byId.has('54')).toBe(false); // and so no amount in the code
      expect(byId.get('53')).toBe('156');
      expect(byId.get('58')).toBe('CN');
      const account = objects.find(([id]) => Number(id) >= 26 && Number(id) <= 51);
      expect(account).toBeDefined();
      expect(new Map(tlvs(account![1])).get('01')).toBe(codeId);

      // The CRC is the last object, over everything up to and including its own "6304".
      expect(objects.at(-1)![0]).toBe('63');
      expect(payload).toMatch(/6304[0-9A-F]{4}$/);
      expect(payload.slice(-4)).toBe(crc16(payload.slice(0, -4)));
      // A changed code no longer verifies.
      const tampered = payload.replace(codeId, 'shop-43.counter_1');
      expect(tampered.slice(-4)).not.toBe(crc16(tampered.slice(0, -4)));

      // Static: the same code every time, another for another codeId.
      expect((await control('GET', `/sandbox/entry-code/${codeId}`)).json.emvco).toBe(payload);
      expect((await control('GET', '/sandbox/entry-code/other')).json.emvco).not.toBe(payload);
    });

    it('refuses a codeId that cannot be printed in the code', async () => {
      const res = await control('GET', `/sandbox/entry-code/${'x'.repeat(65)}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details[0].path).toBe('codeId');
      expect((await control('GET', `/sandbox/entry-code/${encodeURIComponent('a b')}`)).status).toBe(400);
    });
  });
});
