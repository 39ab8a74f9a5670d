// Dependencies out of reach (DESIGN.md section 8): the API starts without Temporal, answers 503
// TEMPORAL_UNAVAILABLE within seconds (never 500, never a 20 s hang), /readyz names it, and the API
// heals by itself when Temporal is back on the same address. A dedicated dev server with its own
// SQLite file is stopped and started again. A Temporal address that accepts connections but never
// answers is bounded the same way, and an API started without NATS turns ready once NATS is there.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startApi, type RunningApi } from '../api/server.js';
import { freePort, startNats, startTemporalDev, type RunningServer } from '../devservers/servers.js';
import { cashierBody, http, testApiOptions, uniqueId } from './support/service.js';

const BOUND_MS = 5_000;
const HEAL_TIMEOUT_MS = 60_000;

let dir: string;
let port: number;
let temporal: RunningServer | null = null;
let api: RunningApi;

const apiOptions = (temporalAddress: string) =>
  testApiOptions({ temporalAddress, nats: { url: inject('natsUrl'), options: {} }, temporalUnavailableAfterMs: 3_000 });

const startTemporal = async () => {
  temporal = await startTemporalDev({ port, uiPort: null, dbFile: join(dir, 'temporal.sqlite') });
};
const stopTemporal = async () => {
  await temporal?.stop();
  temporal = null;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'alipay-cn-outage-'));
  port = await freePort();
  // Temporal is not running yet: the API must start anyway.
  api = await startApi(apiOptions(`127.0.0.1:${port}`));
});

afterAll(async () => {
  await api?.close();
  await stopTemporal();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A payment id of the right shape that no payment has: only Temporal can say it does not exist. */
const paymentId = `alipay-cn:${uniqueId('outage')}`;

/** The request, its answer and how long it took. */
async function timed(target: RunningApi, method: string, path: string, body?: unknown) {
  const started = performance.now();
  const res = await http(method, `${target.url}${path}`, body);
  return { ...res, ms: performance.now() - started };
}

async function expectUnavailable(target: RunningApi, method: string, path: string, body?: unknown) {
  const res = await timed(target, method, path, body);
  expect(res.status, `${method} ${path}`).toBe(503);
  expect(res.body).toEqual({ error: { code: 'TEMPORAL_UNAVAILABLE', message: expect.any(String), details: [] } });
  expect(res.ms, `${method} ${path} answered only after ${Math.round(res.ms)} ms`).toBeLessThan(BOUND_MS);
}

async function expectHealed() {
  await expect
    .poll(async () => (await http('GET', `${api.url}/v1/payments/${paymentId}`)).body?.error?.code, { timeout: HEAL_TIMEOUT_MS, interval: 250 })
    .toBe('PAYMENT_NOT_FOUND');
  await expect.poll(async () => (await http('GET', `${api.url}/readyz`)).status, { timeout: HEAL_TIMEOUT_MS, interval: 250 }).toBe(200);
  const ready = await http('GET', `${api.url}/readyz`);
  expect(ready.body).toEqual({ ready: true, dependencies: { temporal: 'up', nats: 'up' } });
}

async function expectOutageAnswers(target: RunningApi = api) {
  await Promise.all([
    expectUnavailable(target, 'GET', `/v1/payments/${paymentId}`),
    expectUnavailable(target, 'POST', '/v1/payments', cashierBody(uniqueId('outage-create'))),
    expectUnavailable(target, 'POST', `/v1/payments/${paymentId}/refunds`, { refundId: 'r-1', amount: { currency: 'CNY', value: 100 } }),
    expectUnavailable(target, 'POST', `/v1/payments/${paymentId}/cancel`),
  ]);
  const ready = await timed(target, 'GET', '/readyz');
  expect(ready.status).toBe(503);
  expect(ready.body.ready).toBe(false);
  expect(ready.body.dependencies.temporal).toMatch(/^down: /);
  expect(ready.body.dependencies.nats).toBe('up');
  expect(ready.ms).toBeLessThan(BOUND_MS);
}

describe('Temporal out of reach', () => {
  it('the API started without Temporal answers 503 TEMPORAL_UNAVAILABLE quickly, and readyz names Temporal', async () => {
    await expectOutageAnswers();
    expect((await http('GET', `${api.url}/healthz`)).status).toBe(200);
  });

  it('connects by itself once Temporal is there', async () => {
    await startTemporal();
    await expectHealed();
  });

  it('answers 503 again when Temporal stops, and heals when it comes back on the same address', async () => {
    await stopTemporal();
    await expectOutageAnswers();
    await startTemporal();
    await expectHealed();
  });
});

describe('a Temporal address that accepts connections but never answers', () => {
  let blackHole: Server;
  let sockets: Socket[] = [];
  let stuck: RunningApi;
  beforeAll(async () => {
    blackHole = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    stuck = await startApi(apiOptions(`127.0.0.1:${(blackHole.address() as AddressInfo).port}`));
  });
  afterAll(async () => {
    await stuck?.close();
    for (const s of sockets) s.destroy();
    sockets = [];
    await new Promise((resolve) => blackHole?.close(resolve));
  });

  it('answers 503 TEMPORAL_UNAVAILABLE within the bound instead of waiting for gRPC to give up', async () => {
    await expectOutageAnswers(stuck);
  });
});

describe('NATS out of reach', () => {
  let natsPort: number;
  let nats: RunningServer | null = null;
  let withoutNats: RunningApi;
  beforeAll(async () => {
    natsPort = await freePort();
    withoutNats = await startApi({
      ...apiOptions(inject('temporalAddress')),
      // A small reconnect budget: readiness must recover even after nats.js gives up.
      nats: { url: `nats://127.0.0.1:${natsPort}`, options: { reconnectTimeWait: 250, maxReconnectAttempts: 2 } },
    });
  });
  afterAll(async () => {
    await withoutNats?.close();
    await nats?.stop();
  });

  it('the API starts without NATS, readyz names it, and turns ready once NATS is there', async () => {
    const down = await http('GET', `${withoutNats.url}/readyz`);
    expect(down.status).toBe(503);
    expect(down.body.dependencies.temporal).toBe('up');
    expect(down.body.dependencies.nats).toMatch(/^down: /);
    // Payments do not need the API's NATS connection.
    expect((await http('GET', `${withoutNats.url}/v1/payments/${paymentId}`)).body.error.code).toBe('PAYMENT_NOT_FOUND');
    nats = await startNats({ port: natsPort, storeDir: join(dir ?? tmpdir(), 'nats') });
    await expect.poll(async () => (await http('GET', `${withoutNats.url}/readyz`)).status, { timeout: HEAL_TIMEOUT_MS, interval: 250 }).toBe(200);
  });

  it('goes unready when NATS stops, and ready again when it is back, however long it was away', async () => {
    await nats?.stop();
    await expect.poll(async () => (await http('GET', `${withoutNats.url}/readyz`)).body.dependencies.nats, { timeout: HEAL_TIMEOUT_MS, interval: 250 }).toMatch(/^down: /);
    // Past the two reconnect attempts nats.js allows this connection: it is closed, readiness connects anew.
    await expect
      .poll(async () => (await http('GET', `${withoutNats.url}/readyz`)).body.dependencies.nats, { timeout: HEAL_TIMEOUT_MS, interval: 250 })
      .toMatch(/^down: (CONNECTION_REFUSED|the connection closed)/);
    nats = await startNats({ port: natsPort, storeDir: join(dir ?? tmpdir(), 'nats') });
    await expect.poll(async () => (await http('GET', `${withoutNats.url}/readyz`)).status, { timeout: HEAL_TIMEOUT_MS, interval: 250 }).toBe(200);
  });
});
