// The gateway sandbox's faults (PUT /sandbox/faults): failed, unknown, slow and held wire answers whose
// effect happened anyway, and dropped, duplicated and reordered notifications.
import { describe, expect, it } from 'vitest';
import { GatewayClient } from '../gateway/client.js';
import { GatewayUnknownOutcomeError } from '../gateway/errors.js';
import { startSandbox } from '../sandbox/server.js';
import { client, CLIENT_ID, control, deliveriesOf, notificationsFor, payRequest, received, sandbox, SECRET, TZ, uniqueId, useSandbox } from './support/sandbox-harness.js';

useSandbox();

describe('faults', () => {
  it('replaces, shows and resets the faults', async () => {
    const put = await control('PUT', '/sandbox/faults', { latencyMs: 5, failNext: { detail: 2 } });
    expect(put.status).toBe(200);
    const got = await control('GET', '/sandbox/faults');
    expect(got.json).toMatchObject({ latencyMs: 5, errorRate: 0, failNext: { detail: 2, pay: 0, mode: 'error' } });
    await control('DELETE', '/sandbox/faults');
    expect((await control('GET', '/sandbox/faults')).json).toMatchObject({ latencyMs: 0, failNext: { detail: 0 } });
    expect((await control('PUT', '/sandbox/faults', { errorRate: 2 })).status).toBe(400);
    expect((await control('PUT', '/sandbox/faults', { eroorRate: 0.1 })).status).toBe(400);
  });

  it('failNext unknown: the client gets result U, but the order exists', async () => {
    const id = uniqueId('fault-unknown');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'unknown' } });
    const res = await client.pay(payRequest(id));
    expect(res.result).toMatchObject({ resultStatus: 'U', resultCode: 'UNKNOWN_EXCEPTION' });
    expect(res.data).toBeUndefined();
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
  });

  it('failNext error: GatewayUnknownOutcomeError, but the order exists', async () => {
    const id = uniqueId('fault-error');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'error' } });
    await expect(client.pay(payRequest(id))).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
    // Only the next call was hit.
    expect((await client.pay(payRequest(id))).result.resultStatus).toBe('S');
  });

  it('failNext timeout: the client gives up, but the order exists', async () => {
    const id = uniqueId('fault-timeout');
    await control('PUT', '/sandbox/faults', { failNext: { pay: 1, mode: 'timeout' } });
    const impatient = new GatewayClient({ baseUrl: sandbox.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 200 });
    await expect(impatient.pay(payRequest(id))).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    expect((await client.detail(id)).data).toMatchObject({ merchantTransId: id, status: 'PENDING' });
  });

  it('failNext on cancel: the cancel took effect anyway', async () => {
    const id = uniqueId('fault-cancel');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { failNext: { cancel: 1, mode: 'unknown' } });
    expect((await client.cancel(id)).result.resultStatus).toBe('U');
    expect((await client.detail(id)).data?.status).toBe('CLOSED');
  });

  it('rates: errorRate 1 and unknownRate 1 hit every call', async () => {
    await control('PUT', '/sandbox/faults', { errorRate: 1 });
    await expect(client.detail('x')).rejects.toBeInstanceOf(GatewayUnknownOutcomeError);
    await control('PUT', '/sandbox/faults', { unknownRate: 1 });
    expect((await client.detail('x')).result.resultStatus).toBe('U');
  });

  it('latencyMs delays each wire answer', async () => {
    await control('PUT', '/sandbox/faults', { latencyMs: 150 });
    const t0 = performance.now();
    await client.detail('x');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it('dropNextNotifications: the lost attempt is retried on schedule', async () => {
    const id = uniqueId('drop');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { dropNextNotifications: 1 });
    const arrived = notificationsFor(id);
    await control('POST', `/sandbox/payments/${id}/pay`);
    await arrived;
    await expect.poll(async () => (await deliveriesOf(id))[0]?.acked).toBe(true);
    expect((await deliveriesOf(id))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'ACKED']);
  });

  it('dropNotifications 1: nothing arrives and the schedule runs out', async () => {
    const id = uniqueId('drop-all');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { dropNotifications: 1 });
    await control('POST', `/sandbox/payments/${id}/pay`);
    await expect.poll(async () => (await control('GET', `/sandbox/payments/${id}`)).json.deliveries[0].gaveUp).toBe(true);
    expect((await deliveriesOf(id))[0]!.attempts.map((a) => a.outcome)).toEqual(['DROPPED', 'DROPPED', 'DROPPED', 'DROPPED']);
    expect(received.some((r) => r.notification.merchantTransId === id)).toBe(false);
  });

  it('duplicateNotifications 1: an acknowledged notification comes once more with the same notifyId', async () => {
    const id = uniqueId('dup');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { duplicateNotifications: 1 });
    const arrived = notificationsFor(id, 2);
    await control('POST', `/sandbox/payments/${id}/pay`);
    const [a, b] = await arrived;
    expect(b!.notification.notifyId).toBe(a!.notification.notifyId);
  });

  it('reorderNotifications: notifications are held back but still delivered', async () => {
    const id = uniqueId('reorder');
    await client.pay(payRequest(id));
    await control('PUT', '/sandbox/faults', { reorderNotifications: true });
    const arrived = notificationsFor(id);
    await control('POST', `/sandbox/payments/${id}/pay`);
    expect((await arrived)[0]!.notification.status).toBe('SUCCESS');
  });

  it('close() ends a sandbox that holds an answer open', async () => {
    const other = await startSandbox({ port: 0, clientId: CLIENT_ID, secret: SECRET, notifyRetryMs: [0], timezone: TZ });
    await fetch(`${other.url}/sandbox/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ timeoutRate: 1 }) });
    const patient = new GatewayClient({ baseUrl: other.url, clientId: CLIENT_ID, secret: SECRET, timeoutMs: 30_000 });
    const id = uniqueId('held');
    const pending = patient.pay(payRequest(id)).catch((e: unknown) => e);
    // The order exists once the request was processed; its answer is then being held.
    await expect.poll(async () => (await fetch(`${other.url}/sandbox/payments/${id}`)).status).toBe(200);
    const t0 = performance.now();
    await other.close();
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(await pending).toBeInstanceOf(GatewayUnknownOutcomeError);
  });
});
