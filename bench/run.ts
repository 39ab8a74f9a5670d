// `npm run bench`: what a payment costs with `npm start` defaults, beside a bare hand-written
// Temporal workflow of the same shape (bench/bare/) on the same servers in the same run.
//
// bench/stack.ts starts the servers as `npm start` does (Temporal on a SQLite file, nats-server with
// JetStream) and one process per role. Then:
//   1. comparison: at each concurrency, M payments through the service and M through the bare
//      workflow, alternately (ROUNDS times, the first target alternating); per run: payments/s,
//      POST p50/p95, POST → payment.succeeded p50/p95, Node CPU ms per payment of the target's
//      own processes (API + worker), history events of a settled payment;
//   2. roles: the service with one worker process, then two, then two with one killed (kill -9)
//      a third of the way through: every payment must still succeed;
//   3. footprint: a fresh worker of each, N payments opened and left PENDING (RSS per cached open
//      payment from the first 500), then for the service up to OPEN in all, 1,000 of them paid, 100
//      refunded, 1,000 queried at random, with the worker's RSS and the latencies.
// Prints a table, writes bench/results/latest.json; exits 0 when every payment did what it should,
// 1 otherwise, 2 for a bad option.
import { Client, Connection } from '@temporalio/client';
import { connect } from 'nats';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { loadConfig, maxCachedWorkflows } from '../config/config.js';
import { OptionError, parseOptions, type Options } from './options.js';
import { openPending, payOpen, pick, querySome, refundSome, throughput, type Failure, type ThroughputResult } from './phases.js';
import { startStack, type Stack } from './stack.js';
import { cpuMeter, median, round, rssMb, rssPeak } from './stats.js';
import { bareTarget, benchMerchant, serviceTarget, type Target } from './targets.js';

const RESULTS_FILE = join(dirname(fileURLToPath(import.meta.url)), 'results', 'latest.json');
const say = (line: string) => console.log(`[bench] ${line}`);
/** Payments opened on a fresh worker to measure the memory one cached open payment costs. */
const MEMORY_SAMPLE = 500;
/** Opened first, before the memory is read, so the sample measures only what each payment adds. */
const WARM_OPEN = 100;

type Run = ThroughputResult & { cpuMsPerPayment: number; cpuMsByProcess: Record<string, number>; temporalCpuMsPerPayment: number; historyEvents: number };

async function main(options: Options): Promise<number> {
  const runId = Date.now().toString(36);
  let seq = 0;
  const ids = (phase: string, n: number) => Array.from({ length: n }, () => `bench-${runId}-${phase}-${(seq++).toString(36)}`);
  const failures: Failure[] = [];
  const started = Date.now();
  const stack = await startStack(say);
  const stops: (() => Promise<unknown>)[] = [stack.stop];
  try {
    const nc = await connect({ servers: stack.natsUrl, user: stack.nats.user, pass: stack.nats.pass, name: 'bench' });
    stops.push(() => nc.drain());
    const connection = await Connection.connect({ address: stack.temporalAddress });
    stops.push(() => connection.close());
    const client = new Client({ connection });
    // The service is driven as a merchant drives it: through the typed client (client/).
    const merchant = benchMerchant(stack);
    const service = await serviceTarget(stack, nc, merchant);
    const bare = await bareTarget(stack, nc);
    stops.push(() => service.stop(), () => bare.stop());
    const processesOf = (t: Target): Record<string, number> =>
      t.name === 'service'
        ? { api: stack.pids.api, ...Object.fromEntries(stack.workers.map((w, i) => [`worker${i + 1}`, w.pid])) }
        : { api: stack.pids.bareApi, worker: stack.bareWorker.pid };

    say(`warm-up: ${options.warmup} payments through each`);
    for (const t of [service, bare]) failures.push(...(await throughput(t, ids('w', options.warmup), 10, options.timeoutMs)).failures);

    // ---- 1. comparison
    const runs: Run[] = [];
    for (const c of options.concurrency) {
      for (let round_ = 0; round_ < options.rounds; round_++) {
        for (const t of round_ % 2 === 0 ? [service, bare] : [bare, service]) {
          const meter = cpuMeter(processesOf(t));
          const temporal = cpuMeter({ temporal: stack.temporalPid });
          const result = await throughput(t, ids(`${t.name[0]}${c}`, options.m), c, options.timeoutMs);
          const cpu = meter();
          const temporalCpu = temporal();
          failures.push(...result.failures);
          await sleep(1_000); // settled: whatever follows payment.succeeded is in the history too
          const lengths = await Promise.all(result.sample.map(async (id) => (await client.workflow.getHandle(id).describe()).historyLength));
          const run: Run = {
            ...result,
            cpuMsPerPayment: round(cpu.total / Math.max(1, result.succeeded)),
            cpuMsByProcess: Object.fromEntries(Object.entries(cpu.byProcess).map(([k, v]) => [k, Math.round(v)])),
            temporalCpuMsPerPayment: round(temporalCpu.total / Math.max(1, result.succeeded)),
            historyEvents: median(lengths),
          };
          runs.push(run);
          say(
            `${t.name.padEnd(7)} c=${c}: ${run.paymentsPerSecond} payments/s, POST p50 ${run.postMs.p50} ms, POST→succeeded p50 ${run.postToSucceededMs.p50} ms, ` +
              `${run.cpuMsPerPayment} ms CPU/payment, ${run.historyEvents} history events (${run.succeeded}/${run.payments})`,
          );
        }
      }
    }
    const comparison = options.concurrency.map((c) => {
      const of = (name: Target['name']) => runs.filter((r) => r.target === name && r.concurrency === c);
      const med = (name: Target['name'], f: (r: Run) => number) => median(of(name).map(f));
      const side = (name: Target['name']) => ({
        paymentsPerSecond: med(name, (r) => r.paymentsPerSecond),
        postP50: med(name, (r) => r.postMs.p50),
        postP95: med(name, (r) => r.postMs.p95),
        e2eP50: med(name, (r) => r.postToSucceededMs.p50),
        e2eP95: med(name, (r) => r.postToSucceededMs.p95),
        cpuMsPerPayment: med(name, (r) => r.cpuMsPerPayment),
        historyEvents: med(name, (r) => r.historyEvents),
      });
      const s = side('service');
      const b = side('bare');
      return { concurrency: c, service: s, bare: b, throughputRatio: round(s.paymentsPerSecond / b.paymentsPerSecond, 2), cpuRatio: round(s.cpuMsPerPayment / b.cpuMsPerPayment, 2) };
    });

    // ---- 2. roles: one worker process, two, and two with one killed mid-load
    const c = Math.max(...options.concurrency);
    say(`roles: ${options.m} payments at c=${c} with one worker process, then two, then two with one killed (kill -9)`);
    const one = await throughput(service, ids('r1', options.m), c, options.timeoutMs);
    const second = await stack.addWorker();
    const two = await throughput(service, ids('r2', options.m), c, options.timeoutMs);
    let killedAt = -1;
    const killTarget = Math.floor(options.m / 3);
    const withKill = await throughput(service, ids('rk', options.m), c, options.timeoutMs, (done) => {
      if (killedAt < 0 && done >= killTarget) {
        killedAt = done;
        process.kill(second.pid, 'SIGKILL');
      }
    });
    await stack.removeWorker(second, 'kill');
    failures.push(...one.failures, ...two.failures, ...withKill.failures);
    const roles = {
      concurrency: c,
      oneWorker: { paymentsPerSecond: one.paymentsPerSecond, succeeded: one.succeeded, payments: one.payments },
      twoWorkers: { paymentsPerSecond: two.paymentsPerSecond, succeeded: two.succeeded, payments: two.payments },
      twoWorkersOneKilled: { killedAfterSucceeded: killedAt, succeeded: withKill.succeeded, payments: withKill.payments, paymentsPerSecond: withKill.paymentsPerSecond },
    };
    say(`roles: one worker ${one.paymentsPerSecond}/s, two ${two.paymentsPerSecond}/s; one of two killed after ${killedAt}: ${withKill.succeeded}/${withKill.payments} succeeded`);

    // The comparison is on disk before the long footprint step starts.
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify({ partial: 'comparison and roles only; the footprint step did not finish', options, comparison, roles }, null, 2)}\n`);

    // ---- 3. footprint
    let footprint: Record<string, unknown> | null = null;
    if (options.open > 0) {
      const cacheBound = maxCachedWorkflows(loadConfig({}));
      const sampleSize = Math.min(MEMORY_SAMPLE, options.open);
      // A fresh worker of each: an empty cache, then `sampleSize` open payments in it.
      for (const w of [...stack.workers]) await stack.removeWorker(w, 'stop');
      const worker = await stack.addWorker();
      const bareWorker = await stack.restartBareWorker();
      await sleep(3_000);
      const idle = { service: rssMb(worker.pid), bare: rssMb(bareWorker.pid) };
      say(`footprint: ${sampleSize} PENDING payments on a fresh worker of each (idle RSS: service ${idle.service} MB, bare ${idle.bare} MB)`);
      // The slope from a warm worker (WARM_OPEN open already: code compiled, first-use costs paid) to
      // `sampleSize` more, so one-time costs are not spread over the payments.
      const perCached: Record<string, number> = {};
      let sampleOpen: { merchantTransId: string; paymentId: string }[] = [];
      for (const [t, pid] of [[service, worker.pid], [bare, bareWorker.pid]] as const) {
        const warm = await openPending(t, ids(`ow${t.name[0]}`, WARM_OPEN), 20);
        await sleep(2_000);
        const before = rssMb(pid);
        const opened = await openPending(t, ids(`o${t.name[0]}`, sampleSize), 20);
        failures.push(...warm.failures, ...opened.failures);
        await sleep(2_000);
        perCached[t.name] = round(((rssMb(pid) - before) * 1024) / opened.open.length, 0);
        if (t === service) sampleOpen = [...warm.open, ...opened.open];
      }
      say(`footprint: RSS per cached open payment: service ${perCached.service} KB, bare ${perCached.bare} KB`);

      say(`footprint: opening ${Math.max(0, options.open - sampleOpen.length)} more (${options.open} open in all; the worker caches at most ${cacheBound})`);
      const peak = rssPeak(worker.pid);
      const rest = await openPending(service, ids('of', Math.max(0, options.open - sampleOpen.length)), c, (n) => {
        if (n % 1000 === 0) say(`footprint: ${sampleOpen.length + n} open, worker RSS ${rssMb(worker.pid)} MB`);
      });
      failures.push(...rest.failures);
      const open = [...sampleOpen, ...rest.open];
      const rssOpen = rssMb(worker.pid);
      say(`footprint: ${open.length} open, worker RSS ${rssOpen} MB; paying 1000, refunding 100, querying 1000 at random`);
      const toPay = pick(open, Math.min(1000, open.length));
      const paid = await payOpen(service, toPay, c, options.timeoutMs);
      const refunded = await refundSome(service, merchant, pick(toPay, Math.min(100, toPay.length)), c, options.timeoutMs);
      const queried = await querySome(merchant, pick(open, Math.min(1000, open.length)), c);
      failures.push(...paid.failures, ...refunded.failures, ...queried.failures);
      footprint = {
        cacheBound,
        idleRssMB: idle,
        rssPerCachedOpenPaymentKB: perCached,
        open: open.length,
        openPostMs: rest.postMs,
        workerRssMB: { afterOpening: rssOpen, end: rssMb(worker.pid), peak: peak.stop() },
        pay: { paid: paid.paid, of: toPay.length, payToSucceededMs: paid.payToSucceededMs },
        refund: { refunded: refunded.refunded, postMs: refunded.postMs, postToRefundSucceededMs: refunded.postToRefundSucceededMs },
        query: { answered: queried.answered, ms: queried.ms },
      };
      say(`footprint: worker RSS peak ${(footprint.workerRssMB as { peak: number }).peak} MB`);
    }

    const results = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', totalMemoryMB: Math.round(totalmem() / 2 ** 20), node: process.version, platform: `${process.platform}-${process.arch}` },
      setup: 'npm start defaults: Temporal dev server on a SQLite file (WAL, synchronous=NORMAL), nats-server with JetStream on disk, one process per role',
      options,
      durationS: Math.round((Date.now() - started) / 1000),
      comparison,
      roles,
      footprint,
      runs: runs.map(({ sample: _sample, failures: f, ...r }) => ({ ...r, failures: f.length })),
      invalidEvents: { service: service.invalidEvents(), bare: bare.invalidEvents() },
      failures: failures.slice(0, 20),
      failureCount: failures.length,
      ok: failures.length === 0 && service.invalidEvents() === 0 && roles.twoWorkersOneKilled.succeeded === options.m,
    };
    print(results);
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    say(`results written to ${RESULTS_FILE}`);
    for (const f of failures.slice(0, 10)) say(`FAILED ${f.merchantTransId} at ${f.stage}: ${f.detail}`);
    return results.ok ? 0 : 1;
  } finally {
    say('shutting down');
    for (const stop of stops.reverse()) await stop().catch((err: Error) => console.error(`[bench] ${err.message}`));
  }
}

function print(r: { comparison: { concurrency: number; service: Record<string, number>; bare: Record<string, number>; throughputRatio: number; cpuRatio: number }[]; roles: Record<string, any>; footprint: Record<string, any> | null; machine: { cpus: number } }) {
  const rows: string[][] = [['', 'service', 'bare', 'service ÷ bare']];
  for (const c of r.comparison) {
    const line = (label: string, key: string, unit = '') => rows.push([`c=${c.concurrency} ${label}`, `${c.service[key]}${unit}`, `${c.bare[key]}${unit}`, `${round(c.service[key] / c.bare[key], 2)}`]);
    line('payments/s', 'paymentsPerSecond');
    line('POST p50 / p95', 'postP50', ' ms');
    rows[rows.length - 1] = [`c=${c.concurrency} POST p50 / p95`, `${c.service.postP50} / ${c.service.postP95} ms`, `${c.bare.postP50} / ${c.bare.postP95} ms`, `${round(c.service.postP50 / c.bare.postP50, 2)}`];
    rows.push([`c=${c.concurrency} POST→succeeded p50 / p95`, `${c.service.e2eP50} / ${c.service.e2eP95} ms`, `${c.bare.e2eP50} / ${c.bare.e2eP95} ms`, `${round(c.service.e2eP50 / c.bare.e2eP50, 2)}`]);
    line('Node CPU per payment', 'cpuMsPerPayment', ' ms');
    line('history events (settled)', 'historyEvents');
  }
  if (r.footprint) {
    const f = r.footprint;
    rows.push(['RSS per cached open payment', `${f.rssPerCachedOpenPaymentKB.service} KB`, `${f.rssPerCachedOpenPaymentKB.bare} KB`, `${round(f.rssPerCachedOpenPaymentKB.service / f.rssPerCachedOpenPaymentKB.bare, 2)}`]);
  }
  const width = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  console.log(`\n  (${r.machine.cpus} cores; medians over the rounds)`);
  for (const row of rows) console.log(`  ${row.map((cell, i) => cell.padEnd(width[i])).join('   ')}`);
  const ro = r.roles;
  console.log(`\n  worker processes at c=${ro.concurrency}: one ${ro.oneWorker.paymentsPerSecond}/s, two ${ro.twoWorkers.paymentsPerSecond}/s; two with one killed after ${ro.twoWorkersOneKilled.killedAfterSucceeded}: ${ro.twoWorkersOneKilled.succeeded}/${ro.twoWorkersOneKilled.payments} succeeded`);
  if (r.footprint) {
    const f = r.footprint;
    console.log(`  footprint: ${f.open} open payments (cache bound ${f.cacheBound}): worker RSS ${f.workerRssMB.afterOpening} MB after opening, peak ${f.workerRssMB.peak} MB, ${f.workerRssMB.end} MB at the end`);
    console.log(`    paid ${f.pay.paid}/${f.pay.of}: pay→succeeded p50 ${f.pay.payToSucceededMs.p50} ms p95 ${f.pay.payToSucceededMs.p95} ms`);
    console.log(`    refunded ${f.refund.refunded}: POST p50 ${f.refund.postMs.p50} ms, POST→refund.succeeded p50 ${f.refund.postToRefundSucceededMs.p50} ms p95 ${f.refund.postToRefundSucceededMs.p95} ms`);
    console.log(`    queried ${f.query.answered}: p50 ${f.query.ms.p50} ms p95 ${f.query.ms.p95} ms max ${f.query.ms.max} ms`);
  }
  console.log('');
}

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
}
process.exitCode = code;
// Everything was stopped; should a stray handle keep the loop alive, do not hang.
setTimeout(() => process.exit(code), 5_000).unref();
