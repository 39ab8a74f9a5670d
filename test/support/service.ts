// Starts the real worker and the real HTTP API against the servers of the global setup, and gives
// tests the calls a merchant (the typed MerchantClient of client/, or raw HTTP for tests of the HTTP
// layer itself), a shopper (sandbox control API) and an event consumer make.
import { connect, type NatsConnection } from 'nats';
import { afterAll, afterEach, beforeAll, inject } from 'vitest';
import { MerchantClient, type CreatePaymentRequest } from '../../client/index.js';
import { cashierBody } from '../../domain/example-requests.js';
import { RECONNECT_FOREVER } from '../../config/connections.js';
import { startApi, type ApiOptions, type RunningApi } from '../../api/server.js';
import { NOTIFICATION_PATH } from '../../api/notifications-routes.js';
import { PaymentEvent, STREAM_NAME } from '../../events/schema.js';
import { startTemporalDev } from '../../devservers/servers.js';
import type { Tracing } from '../../telemetry/tracing.js';
import { startWorker, type RunningWorker } from '../../worker/worker.js';
import { TEST_API_KEY, TEST_GATEWAY } from './constants.js';

/** API options a test may set (testApiOptions has the rest), and the worker's. */
export type ServiceOptions = Partial<
  Pick<
    ApiOptions,
    'pollInitialMs' | 'pollMaxMs' | 'defaultExpiryMs' | 'paymentCode' | 'historyLimit' | 'apiKeys' | 'rateLimit' | 'requestTimeoutMs' | 'graceMs' | 'refundWindowMs' | 'logger' | 'tracing'
  >
> & {
  gatewayTimeoutMs?: number;
  /** Another nats-server than the suite's (a test that stops and starts it). */
  natsUrl?: string;
  /** The worker's workflow cache bound (the SDK's default when absent). */
  maxCachedWorkflows?: number;
  /** A Temporal dev server of its own: visibility (the payment list) sees only this file's payments. */
  ownTemporal?: boolean;
  /** The worker's tracing (the API's is `tracing`); none when absent. */
  workerTracing?: Tracing;
  /** Another workflow bundle than the global setup's (test/production-bundle.test.ts: `npm run build`'s). */
  workflowBundlePath?: string;
};

export interface TestService {
  api: RunningApi;
  worker: RunningWorker;
  nats: NatsConnection;
  apiUrl: string;
  sandboxUrl: string;
  /** The queue this service's worker polls: a second API of the same file starts payments here. */
  taskQueue: string;
  /** The Temporal frontend it uses (the suite's, or its own with `ownTemporal`). */
  temporalAddress: string;
  /**
   * The merchant's typed client (client/) on this API with the test key. No retries: a failed call
   * throws its PaymentApiError at once, as the raw answer failed the test before.
   */
  client: MerchantClient;
  /** Stops the worker (in-flight activities are cancelled) and starts a new one. */
  restartWorker(): Promise<void>;
  /** One more worker like this service's, polling `taskQueue` (another queue than the service's): the caller stops it. */
  startWorkerOn(taskQueue: string): Promise<RunningWorker>;
  stop(): Promise<void>;
}

/** The options of an API on the suite's servers, with the test key and gateway; `overrides` win. */
export function testApiOptions(overrides: Partial<ApiOptions> = {}): ApiOptions {
  return {
    temporalAddress: inject('temporalAddress'),
    namespace: 'default',
    secret: TEST_GATEWAY.secret,
    clientId: TEST_GATEWAY.clientId,
    notificationMaxAgeMs: 300_000,
    apiKeys: [TEST_API_KEY],
    host: '127.0.0.1',
    port: 0,
    timeZone: TEST_GATEWAY.timeZone,
    defaultExpiryMs: 30 * 60_000,
    pollInitialMs: 60_000,
    pollMaxMs: 300_000,
    graceMs: 60_000,
    refundWindowMs: 365 * 24 * 3600_000,
    paymentCode: { pollMs: 500, maxPolls: 6, confirmMs: 10_000 },
    ...overrides,
  };
}

export async function startService(opts: ServiceOptions = {}): Promise<TestService> {
  const { gatewayTimeoutMs, natsUrl: ownNats, maxCachedWorkflows, ownTemporal, workerTracing, workflowBundlePath, ...apiOptions } = opts;
  const temporal = ownTemporal ? await startTemporalDev({ uiPort: null }) : null;
  const temporalAddress = temporal?.address ?? inject('temporalAddress');
  const sandboxUrl = inject('sandboxUrl');
  const natsUrl = ownNats ?? inject('natsUrl');
  // One Temporal server serves every test file: each service gets its own queue, so a worker of
  // another file (stopped when that file ends) never holds this file's payments.
  const taskQueue = uniqueId('test-payments');
  const api = await startApi(
    testApiOptions({
      // Tests send bursts (fuzzing, polling): a limit only where a test asks for one.
      rateLimit: { perSecond: 100_000, burst: 100_000 },
      nats: { url: natsUrl, options: {} },
      taskQueue,
      temporalAddress,
      ...apiOptions,
    }),
  );
  const newWorker = (queue = taskQueue) =>
    startWorker({
      temporalAddress,
      namespace: 'default',
      natsUrl,
      gateway: { baseUrl: sandboxUrl, clientId: TEST_GATEWAY.clientId, secret: TEST_GATEWAY.secret, timeoutMs: gatewayTimeoutMs ?? 2_000 },
      notifyUrl: `${api.url}${NOTIFICATION_PATH}`,
      workflowBundle: { codePath: workflowBundlePath ?? inject('workflowBundlePath') },
      taskQueue: queue,
      ...(maxCachedWorkflows !== undefined && { maxCachedWorkflows }),
      ...(workerTracing && { tracing: workerTracing }),
    });
  let worker = await newWorker();
  const nats = await connect({ servers: natsUrl, ...RECONNECT_FOREVER });
  return {
    api,
    get worker() {
      return worker;
    },
    nats,
    apiUrl: api.url,
    sandboxUrl,
    taskQueue,
    temporalAddress,
    client: new MerchantClient({ baseUrl: api.url, apiKey: TEST_API_KEY.secret, retries: 0 }),
    async restartWorker() {
      await worker.stop();
      worker = await newWorker();
    },
    startWorkerOn: (queue) => newWorker(queue),
    async stop() {
      await nats.drain();
      await worker.stop();
      await api.close();
      await temporal?.stop();
    },
  };
}

let counter = 0;
/** A merchantTransId no other test (or earlier run against the same server) has used. */
export const uniqueId = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}`;

/** A valid POST /v1/payments body; `overrides` replace fields (product, payCodeValue, ...). */
export { cashierBody };

/** cashierBody as the client's request type, for `svc.client.createPayment` (overrides as in cashierBody). */
export const paymentRequest = (merchantTransId: string, overrides: Record<string, unknown> = {}): CreatePaymentRequest =>
  cashierBody(merchantTransId, overrides) as CreatePaymentRequest;

export interface HttpOptions {
  /** The merchant key's secret to send as a Bearer token; null sends none. Default: TEST_API_KEY on /v1/payments URLs. */
  apiKey?: string | null;
  /** More headers (they win over the defaults). */
  headers?: Record<string, string>;
}

export async function http(
  method: string,
  url: string,
  body?: unknown,
  opts: HttpOptions = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  const apiKey = opts.apiKey === undefined ? (url.includes('/v1/payments') ? TEST_API_KEY.secret : null) : opts.apiKey;
  if (apiKey !== null) headers.authorization = `Bearer ${apiKey}`;
  Object.assign(headers, opts.headers);
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text, headers: res.headers };
}

/**
 * Reads the payment's events from the stream until `untilType` arrives (or the timeout passes),
 * each validated against the exported schema. Each round reads the stream from the start with a
 * fresh ordered consumer; a round that finds nothing new waits for the server's fetch expiry.
 */
export async function eventsUntil(nats: NatsConnection, paymentId: string, untilType: string, timeoutMs = 30_000): Promise<PaymentEvent[]> {
  const js = nats.jetstream();
  const deadline = Date.now() + timeoutMs;
  let found: PaymentEvent[] = [];
  while (Date.now() < deadline) {
    try {
      const consumer = await js.consumers.get(STREAM_NAME, { filterSubjects: ['payments.alipay_cn.>'] });
      const batch = await consumer.fetch({ max_messages: 10_000, expires: 1_000 });
      found = [];
      for await (const m of batch) {
        const event = PaymentEvent.parse(m.json());
        if (event.subject === paymentId) found.push(event);
      }
    } catch (err) {
      // NATS itself is coming back (tests that stop it): ask again until the deadline.
      if (!/TIMEOUT|503|no responders|CONNECTION/i.test(String((err as Error).message ?? err))) throw err;
      continue;
    }
    if (found.some((e) => e.type === `alipay_cn.${untilType}`)) return found;
  }
  throw new Error(`no ${untilType} event for ${paymentId} within ${timeoutMs} ms; saw ${found.map((e) => e.type).join(', ') || 'nothing'}`);
}

/** Asks `read` every `everyMs` until it gives a value (not undefined, null or false); fails after `timeoutMs`. */
export async function until<T>(what: string, read: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined && value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export const PAY_CODE = '281234567890123456';

/** What a shopper does in the sandbox: pay or decline an order, or pay a static entry code. */
export function shopperOf(svc: TestService) {
  return {
    act: (action: 'pay' | 'decline', merchantTransId: string) => http('POST', `${svc.sandboxUrl}/sandbox/payments/${merchantTransId}/${action}`),
    payEntryCode: async (value: number, status: 'SUCCESS' | 'FAIL' = 'SUCCESS') => {
      const res = await http('POST', `${svc.sandboxUrl}/sandbox/entry-code/pay`, {
        amount: { currency: 'CNY', value },
        codeId: 'shop-42-counter-1',
        status,
        notifyUrl: `${svc.apiUrl}${NOTIFICATION_PATH}`,
      });
      if (res.status !== 200) throw new Error(`entry-code pay answered ${res.status}: ${JSON.stringify(res.body)}`);
      return { gatewayTransId: res.body.gatewayTransId as string, paymentId: `alipay-cn:entry:${res.body.gatewayTransId}` };
    },
    faults: (faults: object) => http('PUT', `${svc.sandboxUrl}/sandbox/faults`, faults),
    paymentCodeAnswers: (behaviour: object) => http('PUT', `${svc.sandboxUrl}/sandbox/payment-code`, behaviour),
    order: async (merchantTransId: string) => (await http('GET', `${svc.sandboxUrl}/sandbox/payments/${merchantTransId}`)).body,
    reset: async () => {
      await http('DELETE', `${svc.sandboxUrl}/sandbox/faults`);
      await http('DELETE', `${svc.sandboxUrl}/sandbox/payment-code`);
      await http('DELETE', `${svc.sandboxUrl}/sandbox/refunds`);
    },
  };
}

export type Shopper = ReturnType<typeof shopperOf>;

/**
 * One service for the whole file and its shopper, handed to `use` once started; the sandbox's
 * faults, payment-code answers and refund settling are reset after each test.
 */
export function serviceForFile(opts: ServiceOptions, use: (svc: TestService, shopper: Shopper) => void): void {
  let started: TestService | undefined;
  let shopper: Shopper | undefined;
  beforeAll(async () => {
    started = await startService(opts);
    shopper = shopperOf(started);
    use(started, shopper);
  });
  afterAll(async () => started?.stop());
  afterEach(async () => shopper?.reset());
}

/**
 * serviceForFile for a file's top level: `const { svc, shopper, paymentUrl } = useService({...})`.
 * `svc` reads through to the service started in beforeAll, so it can be taken apart at once and
 * used in tests and hooks; `paymentUrl(paymentId, tail)` is the payment's URL on the API.
 */
export function useService(opts: ServiceOptions): { svc: TestService; shopper: Shopper; paymentUrl: (paymentId: string, tail?: string) => string } {
  let started: TestService | undefined;
  serviceForFile(opts, (its) => {
    started = its;
  });
  const current = () => {
    if (!started) throw new Error('useService: the service starts in beforeAll; use it in tests and hooks');
    return started;
  };
  const svc: TestService = {
    get api() {
      return current().api;
    },
    get worker() {
      return current().worker;
    },
    get nats() {
      return current().nats;
    },
    get apiUrl() {
      return current().apiUrl;
    },
    get sandboxUrl() {
      return current().sandboxUrl;
    },
    get taskQueue() {
      return current().taskQueue;
    },
    get temporalAddress() {
      return current().temporalAddress;
    },
    get client() {
      return current().client;
    },
    restartWorker: () => current().restartWorker(),
    startWorkerOn: (queue) => current().startWorkerOn(queue),
    stop: () => current().stop(),
  };
  const paymentUrl = (paymentId: string, tail = '') => `${svc.apiUrl}/v1/payments/${encodeURIComponent(paymentId)}${tail}`;
  return { svc, shopper: shopperOf(svc), paymentUrl };
}
