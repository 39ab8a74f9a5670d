// `npm run bench`: latency, end-to-end throughput and worker memory of the service on this machine.
//
// Starts a fresh Temporal dev server (headless, in-memory), nats-server (temp store) and the gateway
// sandbox on free loopback ports, the worker and the API in this process, then measures:
//   1. POST /v1/payments latency: N sequential CASHIER_PAYMENT requests (update-with-start, one round
//      trip to the payAction) after a few warm-up requests;
//   2. end-to-end throughput: M payments at concurrency C, each POSTed, paid by the shopper through the
//      sandbox control API, and done when its payment.succeeded event is read from JetStream (one
//      ordered consumer on payments.alipay_cn.> for the whole run; no per-payment polling);
//   3. memory of this process (which hosts the worker): process.memoryUsage() before and after.
// Every wait is bounded, so the run stops by itself. Prints a table, writes bench/results/latest.json,
// exits 0 when every payment succeeded and 1 otherwise (2 for a bad option).
//
// Options (argv wins over env): BENCH_N (50), BENCH_M (200), BENCH_C (20), BENCH_WARMUP (5),
// BENCH_TIMEOUT_MS (30000, per payment, from its POST to its payment.succeeded event), given as
// `BENCH_N=100 npm run bench` or `npm run bench -- --n=100 --m 400 --c=40`.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

// Before anything else touches the Temporal runtime: warnings and errors only.
Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

import { connect, type ConsumerMessages, type NatsConnection } from 'nats';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { startApi, type RunningApi } from '../api/server.js';
import { startNats, startTemporalDev } from '../devservers/servers.js';
import { PaymentEvent, STREAM_NAME, SUBJECT_PREFIX } from '../events/schema.js';
import { startSandbox, type Sandbox } from '../sandbox/server.js';
import { startWorker, type RunningWorker } from '../worker/worker.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const RESULTS_FILE = join(BENCH_DIR, 'results', 'latest.json');

// ---------------------------------------------------------------------------------------------
// Options

interface Options {
  n: number;
  m: number;
  c: number;
  warmup: number;
  timeoutMs: number;
}

const OPTION_SPECS: { key: keyof Options; env: string; def: number; min: number }[] = [
  { key: 'n', env: 'BENCH_N', def: 50, min: 1 },
  { key: 'm', env: 'BENCH_M', def: 200, min: 1 },
  { key: 'c', env: 'BENCH_C', def: 20, min: 1 },
  { key: 'warmup', env: 'BENCH_WARMUP', def: 5, min: 0 },
  { key: 'timeoutMs', env: 'BENCH_TIMEOUT_MS', def: 30_000, min: 1_000 },
];

function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const given = new Map<string, string>();
  for (const spec of OPTION_SPECS) if (env[spec.env] !== undefined && env[spec.env] !== '') given.set(spec.env, env[spec.env]!);
  // argv: --n=100, --n 100, --timeout-ms=5000, or BENCH_N=100
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^(?:--([a-z-]+)|(BENCH_[A-Z_]+))(?:=(.*))?$/.exec(arg);
    const spec = m && OPTION_SPECS.find((s) => (m[1] ? s.env === `BENCH_${m[1].replace(/-/g, '_').toUpperCase()}` : s.env === m[2]));
    if (!m || !spec) throw new OptionError(`unknown argument ${arg} (options: ${OPTION_SPECS.map((s) => s.env).join(', ')})`);
    const value = m[3] ?? argv[++i];
    if (value === undefined) throw new OptionError(`${arg} needs a value`);
    given.set(spec.env, value);
  }
  const options = {} as Options;
  for (const spec of OPTION_SPECS) {
    const text = given.get(spec.env);
    const value = text === undefined ? spec.def : Number(text);
    if (!Number.isInteger(value) || value < spec.min) throw new OptionError(`${spec.env} must be an integer >= ${spec.min}, got ${text}`);
    options[spec.key] = value;
  }
  return options;
}

class OptionError extends Error {}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    count: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    p99: r(percentile(s, 99)),
    max: r(s.length ? s[s.length - 1] : NaN),
    mean: r(s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN),
  };
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;

function memory() {
  const m = process.memoryUsage();
  return { rssMB: mb(m.rss), heapUsedMB: mb(m.heapUsed), heapTotalMB: mb(m.heapTotal), externalMB: mb(m.external) };
}

const say = (line: string) => console.log(`[bench] ${line}`);

/** The merchant key of the bench's API: every /v1/payments request carries it. */
const BENCH_API_KEY = { name: 'bench', secret: randomBytes(32).toString('base64url') };

async function request(method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const headers: Record<string, string> = body === undefined ? {} : { 'content-type': 'application/json' };
  if (url.includes('/v1/payments')) headers.authorization = `Bearer ${BENCH_API_KEY.secret}`;
  const res = await fetch(url, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: keep the text */
  }
  return { status: res.status, json };
}

function cashierBody(merchantTransId: string) {
  return {
    merchantTransId,
    paymentMethod: 'ALIPAY_CN',
    product: 'CASHIER_PAYMENT',
    amount: { currency: 'CNY', value: 1000 },
    goods: { description: 'Green tea' },
    riskData: { device: { os: 'iOS' } },
  };
}

// ---------------------------------------------------------------------------------------------
// Events: one ordered consumer for the whole run, events collected by payment id

type Outcome = { ok: true; at: number } | { ok: false; at: number; type: string };
const FINAL_FAILURES = new Set(['payment.failed', 'payment.expired', 'payment.cancelled']);

class EventCollector {
  private outcomes = new Map<string, Outcome>();
  private waiters = new Map<string, (o: Outcome) => void>();
  readonly countsByType: Record<string, number> = {};
  invalid = 0;
  private messages: ConsumerMessages | undefined;
  private loop: Promise<void> | undefined;

  async start(nc: NatsConnection): Promise<void> {
    const consumer = await nc.jetstream().consumers.get(STREAM_NAME, { filterSubjects: [`${SUBJECT_PREFIX}.>`] });
    this.messages = await consumer.consume();
    const messages = this.messages;
    this.loop = (async () => {
      for await (const msg of messages) {
        const at = performance.now();
        const type = msg.subject.split('.').slice(-2).join('.'); // payments.alipay_cn.<PRODUCT>.payment.<x>
        this.countsByType[type] = (this.countsByType[type] ?? 0) + 1;
        const parsed = PaymentEvent.safeParse(msg.json());
        if (!parsed.success) {
          this.invalid++;
          continue;
        }
        const paymentId = parsed.data.subject;
        if (type === 'payment.succeeded') this.settle(paymentId, { ok: true, at });
        else if (FINAL_FAILURES.has(type)) this.settle(paymentId, { ok: false, at, type });
      }
    })();
  }

  private settle(paymentId: string, outcome: Outcome) {
    if (this.outcomes.has(paymentId)) return;
    this.outcomes.set(paymentId, outcome);
    this.waiters.get(paymentId)?.(outcome);
    this.waiters.delete(paymentId);
  }

  /** The payment's final event, or a timeout failure once `deadline` (performance.now()) passes. */
  outcome(paymentId: string, deadline: number): Promise<Outcome> {
    const known = this.outcomes.get(paymentId);
    if (known) return Promise.resolve(known);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters.delete(paymentId);
        resolve({ ok: false, at: performance.now(), type: 'timeout' });
      }, Math.max(0, deadline - performance.now()));
      this.waiters.set(paymentId, (o) => (clearTimeout(timer), resolve(o)));
    });
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop?.catch(() => undefined);
  }
}

// ---------------------------------------------------------------------------------------------
// The run

interface Failure {
  paymentId: string;
  stage: string;
  detail: string;
}

async function main(options: Options): Promise<number> {
  const runId = Date.now().toString(36);
  const secret = 'bench-shared-secret-0123456789';
  const clientId = 'bench-merchant';
  const dir = mkdtempSync(join(tmpdir(), 'alipay-cn-bench-'));
  const stops: { name: string; stop: () => Promise<void> }[] = [];
  const failures: Failure[] = [];
  let collector: EventCollector | undefined;
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 250);
  sampler.unref();

  try {
    // ---- servers, worker, API
    const t0 = performance.now();
    say('starting Temporal dev server (headless, in memory) and nats-server (temp store)');
    const [temporalStart, natsStart] = await Promise.allSettled([startTemporalDev({ uiPort: null }), startNats({ storeDir: join(dir, 'jetstream') })]);
    // Whichever started is stopped at the end, even when the other did not.
    if (natsStart.status === 'fulfilled') stops.unshift({ name: 'nats', stop: natsStart.value.stop });
    if (temporalStart.status === 'fulfilled') stops.unshift({ name: 'temporal', stop: temporalStart.value.stop });
    if (temporalStart.status === 'rejected') throw temporalStart.reason;
    if (natsStart.status === 'rejected') throw natsStart.reason;
    const temporal = temporalStart.value;
    const nats = natsStart.value;
    const sandbox: Sandbox = await startSandbox({
      port: 0,
      clientId,
      secret,
      notifyRetryMs: [0, 200, 400, 800, 1600, 3200],
      timezone: 'Asia/Shanghai',
    });
    stops.unshift({ name: 'sandbox', stop: sandbox.close });
    // The product defaults of config/config.ts.
    const api: RunningApi = await startApi({
      temporalAddress: temporal.address,
      namespace: 'default',
      secret,
      clientId,
      notificationMaxAgeMs: 300_000,
      apiKeys: [BENCH_API_KEY],
      host: '127.0.0.1',
      port: 0,
      timeZone: 'Asia/Shanghai',
      defaultExpiryMs: 1_800_000,
      pollInitialMs: 10_000,
      pollMaxMs: 300_000,
      graceMs: 259_200_000,
      refundWindowMs: 365 * 24 * 3600_000,
      paymentCode: { pollMs: 3_000, maxPolls: 20, confirmMs: 60_000 },
    });
    stops.unshift({ name: 'api', stop: api.close });
    say('starting the worker (bundles the workflows)');
    const worker: RunningWorker = await startWorker({
      temporalAddress: temporal.address,
      namespace: 'default',
      natsUrl: nats.url,
      gateway: { baseUrl: sandbox.url, clientId, secret, timeoutMs: 10_000 },
      notifyUrl: `${api.url}${NOTIFICATION_PATH}`,
    });
    stops.unshift({ name: 'worker', stop: worker.stop });
    const nc = await connect({ servers: nats.url, name: 'alipay-cn-bench' });
    stops.unshift({ name: 'bench nats connection', stop: () => nc.drain() });
    collector = new EventCollector();
    await collector.start(nc);
    const events = collector;
    stops.unshift({ name: 'event consumer', stop: () => events.stop() });
    const startupMs = performance.now() - t0;
    say(`everything up in ${(startupMs / 1000).toFixed(1)} s (API ${api.url}, sandbox ${sandbox.url}, Temporal ${temporal.address}, NATS ${nats.url})`);

    let seq = 0;
    const nextId = (phase: string) => `bench-${runId}-${phase}-${(seq++).toString(36)}`;
    const paymentIdOf = (merchantTransId: string) => `alipay-cn:${merchantTransId}`;

    /** POST one cashier payment; the latency in ms, or null (a failure is recorded). */
    async function post(merchantTransId: string): Promise<number | null> {
      const started = performance.now();
      try {
        const res = await request('POST', `${api.url}/v1/payments`, cashierBody(merchantTransId));
        const ms = performance.now() - started;
        if (res.status !== 201 || res.json?.status !== 'PENDING' || !res.json?.payAction?.redirectUrl) {
          failures.push({ paymentId: paymentIdOf(merchantTransId), stage: 'POST /v1/payments', detail: `${res.status} ${JSON.stringify(res.json).slice(0, 200)}` });
          return null;
        }
        return ms;
      } catch (err) {
        failures.push({ paymentId: paymentIdOf(merchantTransId), stage: 'POST /v1/payments', detail: (err as Error).message });
        return null;
      }
    }

    /** The shopper pays in the sandbox, then the payment.succeeded event is awaited. */
    async function payAndAwait(merchantTransId: string, deadline: number): Promise<Outcome | null> {
      const paymentId = paymentIdOf(merchantTransId);
      try {
        const res = await request('POST', `${sandbox.url}/sandbox/payments/${merchantTransId}/pay`);
        if (res.status !== 200) {
          failures.push({ paymentId, stage: 'sandbox pay', detail: `${res.status} ${JSON.stringify(res.json).slice(0, 200)}` });
          return null;
        }
      } catch (err) {
        failures.push({ paymentId, stage: 'sandbox pay', detail: (err as Error).message });
        return null;
      }
      const outcome = await events.outcome(paymentId, deadline);
      if (!outcome.ok) failures.push({ paymentId, stage: 'payment.succeeded event', detail: `got ${outcome.type} instead` });
      return outcome;
    }

    const memoryBefore = memory();
    const cachedBefore = worker.worker.getStatus().numCachedWorkflows;

    // ---- 1. POST latency, sequential
    say(`1/2 POST /v1/payments latency: ${options.warmup} warm-up + ${options.n} sequential requests`);
    const warmupIds: string[] = [];
    for (let i = 0; i < options.warmup; i++) {
      const id = nextId('w');
      warmupIds.push(id);
      await post(id);
    }
    const latencyIds: string[] = [];
    const postLatencies: number[] = [];
    for (let i = 0; i < options.n; i++) {
      const id = nextId('l');
      latencyIds.push(id);
      const ms = await post(id);
      if (ms !== null) postLatencies.push(ms);
    }
    // Pay those too, so they finish (and stop polling DETAIL) before the throughput run.
    const settleDeadline = performance.now() + options.timeoutMs;
    const toSettle = [...warmupIds, ...latencyIds].filter((id) => !failures.some((f) => f.paymentId === paymentIdOf(id)));
    for (let i = 0; i < toSettle.length; i += options.c) {
      await Promise.all(toSettle.slice(i, i + options.c).map((id) => payAndAwait(id, settleDeadline)));
    }

    // ---- 2. End-to-end throughput at concurrency C
    say(`2/2 end to end: ${options.m} payments at concurrency ${options.c} (POST, shopper pays, payment.succeeded read from JetStream)`);
    const e2e: number[] = [];
    const postUnderLoad: number[] = [];
    let succeeded = 0;
    let next = 0;
    const phaseStart = performance.now();
    const cpuStart = process.cpuUsage();
    let lastDone = phaseStart;
    const progress = setInterval(() => say(`   ${succeeded}/${options.m} succeeded`), 5_000);
    progress.unref();
    async function lane() {
      while (next < options.m) {
        next++;
        const id = nextId('t');
        const started = performance.now();
        const postMs = await post(id);
        if (postMs === null) continue;
        postUnderLoad.push(postMs);
        const outcome = await payAndAwait(id, started + options.timeoutMs);
        if (outcome?.ok) {
          succeeded++;
          e2e.push(outcome.at - started);
          lastDone = Math.max(lastDone, outcome.at);
        }
      }
    }
    await Promise.all(Array.from({ length: Math.min(options.c, options.m) }, lane));
    clearInterval(progress);
    const wallMs = lastDone - phaseStart;
    const cpu = process.cpuUsage(cpuStart);
    const phaseMs = performance.now() - phaseStart;

    // ---- 3. memory
    const memoryAfter = memory();
    const cachedAfter = worker.worker.getStatus().numCachedWorkflows;
    peakRss = Math.max(peakRss, process.memoryUsage().rss);

    const results = {
      date: new Date().toISOString(),
      machine: {
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? 'unknown',
        totalMemoryMB: mb(totalmem()),
        node: process.version,
        platform: `${process.platform}-${process.arch}`,
      },
      options,
      startupMs: Math.round(startupMs),
      postLatencyMs: summary(postLatencies),
      endToEnd: {
        payments: options.m,
        concurrency: options.c,
        succeeded,
        failed: options.m - succeeded,
        wallMs: Math.round(wallMs),
        paymentsPerSecond: wallMs > 0 ? Math.round((succeeded / (wallMs / 1000)) * 10) / 10 : 0,
        postToSucceededMs: summary(e2e),
        postLatencyUnderLoadMs: summary(postUnderLoad),
        // CPU this process (worker + API + sandbox + client) used during the run, in cores.
        processCpuCores: Math.round(((cpu.user + cpu.system) / 1000 / phaseMs) * 100) / 100,
      },
      memory: {
        note: 'this process: worker + API + sandbox + bench client',
        before: { ...memoryBefore, cachedWorkflows: cachedBefore },
        after: { ...memoryAfter, cachedWorkflows: cachedAfter },
        peakRssMB: mb(peakRss),
      },
      events: { byType: collector.countsByType, invalid: collector.invalid },
      failures: failures.slice(0, 20),
      failureCount: failures.length,
      ok: failures.length === 0 && collector.invalid === 0,
    };

    printTable(results);
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    say(`results written to ${RESULTS_FILE}`);
    if (!results.ok) {
      for (const f of failures.slice(0, 10)) say(`FAILED ${f.paymentId} at ${f.stage}: ${f.detail}`);
      if (collector.invalid) say(`${collector.invalid} events did not match the PaymentEvent schema`);
    }
    return results.ok ? 0 : 1;
  } finally {
    clearInterval(sampler);
    say('shutting down');
    for (const { name, stop } of stops) {
      try {
        await stop();
      } catch (err) {
        console.error(`[bench] stopping ${name} failed: ${(err as Error).message}`);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function printTable(r: {
  postLatencyMs: ReturnType<typeof summary>;
  endToEnd: { payments: number; concurrency: number; succeeded: number; wallMs: number; paymentsPerSecond: number; postToSucceededMs: ReturnType<typeof summary>; postLatencyUnderLoadMs: ReturnType<typeof summary>; processCpuCores: number };
  memory: { before: ReturnType<typeof memory> & { cachedWorkflows: number }; after: ReturnType<typeof memory> & { cachedWorkflows: number }; peakRssMB: number };
  options: Options;
}) {
  const ms = (x: number) => (Number.isFinite(x) ? `${x} ms` : '-');
  const rows: [string, string][] = [
    [`POST /v1/payments, ${r.postLatencyMs.count} sequential`, `p50 ${ms(r.postLatencyMs.p50)}  p95 ${ms(r.postLatencyMs.p95)}  p99 ${ms(r.postLatencyMs.p99)}  max ${ms(r.postLatencyMs.max)}`],
    [`end to end, ${r.endToEnd.payments} at concurrency ${r.endToEnd.concurrency}`, `${r.endToEnd.paymentsPerSecond} payments/s  (${r.endToEnd.succeeded}/${r.endToEnd.payments} succeeded in ${(r.endToEnd.wallMs / 1000).toFixed(1)} s)`],
    ['  POST → payment.succeeded', `p50 ${ms(r.endToEnd.postToSucceededMs.p50)}  p95 ${ms(r.endToEnd.postToSucceededMs.p95)}  max ${ms(r.endToEnd.postToSucceededMs.max)}`],
    ['  POST under load', `p50 ${ms(r.endToEnd.postLatencyUnderLoadMs.p50)}  p95 ${ms(r.endToEnd.postLatencyUnderLoadMs.p95)}`],
    ['  CPU of this process', `${r.endToEnd.processCpuCores} cores (of ${cpus().length})`],
    ['memory before (RSS / heap used)', `${r.memory.before.rssMB} MB / ${r.memory.before.heapUsedMB} MB  (${r.memory.before.cachedWorkflows} cached workflows)`],
    ['memory after  (RSS / heap used)', `${r.memory.after.rssMB} MB / ${r.memory.after.heapUsedMB} MB  (${r.memory.after.cachedWorkflows} cached workflows)`],
    ['peak RSS (sampled every 250 ms)', `${r.memory.peakRssMB} MB`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log('');
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
  console.log('');
}

// ---------------------------------------------------------------------------------------------

let options: Options;
try {
  options = parseOptions(process.argv.slice(2), process.env);
} catch (err) {
  if (!(err instanceof OptionError)) throw err;
  console.error(`[bench] ${err.message}`);
  process.exit(2);
}

let code = 1;
try {
  code = await main(options);
} catch (err) {
  console.error('[bench] failed:', err);
  code = 1;
}
process.exitCode = code;
// Everything was stopped; should a stray handle keep the loop alive, do not hang.
setTimeout(() => process.exit(code), 5_000).unref();
