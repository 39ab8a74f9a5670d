// One chaos run, shared by `npm run chaos` (scripts/chaos.ts) and test/chaos.test.ts: fresh servers,
// N payments under the sandbox's faults while the worker, Temporal and NATS are disrupted, then
// faults off, a bounded wait until everything is final, and the invariant counts.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Cluster, CHAOS_GATEWAY } from './cluster.js';
import { runDisruptions, Progress, type DisruptionRecord } from './disruptions.js';
import { drive, Mutex, type Tracked } from './driver.js';
import type { ChaosOptions } from './options.js';
import { planPayments } from './plan.js';
import { rng } from './random.js';
import { CHECKS, NOTICES, awaitFinal, check, eventsByPayment, fetchOrders, readStream, streamCaughtUp, type Check, type Notice, type Problem } from './verify.js';
import { request } from './http.js';

export interface ChaosResult {
  ok: boolean;
  seed: number;
  n: number;
  concurrency: number;
  startedAt: string;
  durationMs: number;
  /** From the first payment started to the last driver done. */
  loadMs: number;
  paymentsPerSecond: number;
  faults: Record<string, unknown>;
  disruptions: DisruptionRecord[];
  disruptionsPlanned: number;
  disruptionsDone: number;
  counts: Record<Check, number>;
  /** Reported, not part of the verdict (see NOTICES in chaos/verify.ts). */
  notices: Record<Notice, number>;
  info: {
    accepted: number;
    notAccepted: number;
    unanswered: number;
    byProduct: Record<string, number>;
    finalStatus: Record<string, number>;
    refundsSucceeded: number;
    refundsFailed: number;
    events: number;
    unexpectedExits: { name: string; atMs: number; code: number | null; signal: string | null }[];
    workerStarts: number;
    settleMs: number;
    streamError?: string;
  };
  problems: Problem[];
  /** Every payment: its plan, what its requests got and how it ended. */
  payments: {
    paymentId: string | null;
    product: string;
    shopper: string;
    merchant: string;
    amount: number;
    accepted: boolean;
    drivenMs: number;
    status: string;
    refunded: number;
    gatewayStatus: string | null;
    requests: Tracked['requests'];
    notes: string[];
    seenStatuses: string[];
  }[];
  dataDir: string | null;
  error?: string;
}

const active = new Set<Cluster>();

/** Stops the servers of every run in progress (a signal handler's way out: no orphans). */
export async function stopActiveRuns(): Promise<void> {
  await Promise.allSettled([...active].map((c) => c.stop()));
}

export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const say = opts.log;
  const t0 = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'alipay-cn-chaos-'));
  const cluster = new Cluster(dir, opts);
  active.add(cluster);
  const onExit = () => cluster.killChildrenNow();
  process.once('exit', onExit);
  const result: ChaosResult = {
    ok: false,
    seed: opts.seed,
    n: opts.n,
    concurrency: opts.concurrency,
    startedAt: new Date(t0).toISOString(),
    durationMs: 0,
    loadMs: 0,
    paymentsPerSecond: 0,
    faults: opts.faults,
    disruptions: [],
    disruptionsPlanned: opts.disruptions.length,
    disruptionsDone: 0,
    counts: Object.fromEntries(CHECKS.map((c) => [c, 0])) as Record<Check, number>,
    notices: Object.fromEntries(NOTICES.map((c) => [c, 0])) as Record<Notice, number>,
    info: {
      accepted: 0,
      notAccepted: 0,
      unanswered: 0,
      byProduct: {},
      finalStatus: {},
      refundsSucceeded: 0,
      refundsFailed: 0,
      events: 0,
      unexpectedExits: [],
      workerStarts: 0,
      settleMs: 0,
    },
    problems: [],
    payments: [],
    dataDir: dir,
  };
  try {
    say(`chaos: ${opts.n} payments, seed ${opts.seed}, concurrency ${opts.concurrency}; data and logs in ${dir}`);
    await cluster.start();
    const info = cluster.info;
    say(`[${secs(t0)}] servers up: API ${info.apiUrl}, sandbox ${info.sandboxUrl}, Temporal ${info.temporalAddress}, NATS ${info.natsUrl}`);

    // Refunds settle a little after they are answered; faults on for the load.
    await expectOk(request('PUT', `${info.sandboxUrl}/sandbox/refunds`, { body: { answer: 'SUCCESS', settleAfterMs: 300 } }), 'PUT /sandbox/refunds');
    await expectOk(cluster.setFaults(opts.faults), 'PUT /sandbox/faults');

    const plans = planPayments(opts.n, opts.seed, rng(opts.seed));
    const progress = new Progress();
    const tLoad = Date.now();
    const disruptions = runDisruptions(opts.disruptions, opts.n, progress, cluster, t0, say);
    const ctx = {
      apiUrl: info.apiUrl,
      sandboxUrl: info.sandboxUrl,
      webhookUrl: info.webhookUrl,
      apiKey: cluster.apiKey,
      expirySeconds: opts.expirySeconds,
      requestDeadlineMs: opts.requestDeadlineMs,
      timezone: CHAOS_GATEWAY.timezone,
      paymentCodeLock: new Mutex(),
    };
    const tracked: Tracked[] = new Array(plans.length);
    const drivenMs: number[] = new Array(plans.length).fill(0);
    let next = 0;
    let finished = 0;
    await Promise.all(
      Array.from({ length: Math.min(opts.concurrency, plans.length) }, async () => {
        while (next < plans.length) {
          const i = next++;
          progress.startedOne();
          const started = Date.now();
          tracked[i] = await drive(plans[i], ctx);
          drivenMs[i] = Date.now() - started;
          finished += 1;
          if (finished % Math.max(1, Math.ceil(opts.n / 10)) === 0) say(`[${secs(t0)}] ${finished}/${opts.n} payments driven`);
        }
      }),
    );
    result.loadMs = Date.now() - tLoad;
    say(`[${secs(t0)}] load done in ${(result.loadMs / 1000).toFixed(1)} s; waiting for the remaining disruptions`);
    result.disruptions = await disruptions;
    result.disruptionsDone = result.disruptions.filter((d) => d.ok).length;

    say(`[${secs(t0)}] faults off; waiting up to ${(opts.settleTimeoutMs / 1000).toFixed(0)} s for every payment to be final`);
    await expectOk(request('DELETE', `${info.sandboxUrl}/sandbox/faults`), 'DELETE /sandbox/faults');
    await cluster.ensureServicesRunning();
    const tSettle = Date.now();
    const deadline = tSettle + opts.settleTimeoutMs;
    // A payment still 404 after the gateway's whole notification retry schedule (plus a margin) is lost.
    const missingGraceMs = opts.notifyRetryMs.reduce((s, ms) => s + ms, 0) + 15_000;
    const observed = await awaitFinal(tracked, info.apiUrl, cluster.apiKey, deadline, missingGraceMs, say);

    // The stream, once it has caught up with the final views (bounded by the same deadline).
    let messages: Awaited<ReturnType<typeof readStream>> = [];
    let lastSaid = 0;
    for (;;) {
      try {
        messages = await readStream(info.natsUrl);
        delete result.info.streamError;
      } catch (err) {
        result.info.streamError = (err as Error).message;
      }
      const behind = streamCaughtUp(observed, eventsByPayment(messages));
      if ((behind.length === 0 && !result.info.streamError) || Date.now() > deadline) break;
      if (Date.now() - lastSaid > 15_000) {
        lastSaid = Date.now();
        say(`  the stream is behind the final views of ${behind.length} payment(s)${result.info.streamError ? ` (${result.info.streamError})` : ''}; reading it again`);
      }
      // Poll interval while the publisher catches up.
      await new Promise((r) => setTimeout(r, 2_000));
    }
    result.info.settleMs = Date.now() - tSettle;
    const orders = await fetchOrders(tracked, info.sandboxUrl);
    const problems = check(tracked, observed, eventsByPayment(messages), orders);

    result.problems = problems;
    for (const c of CHECKS) result.counts[c] = new Set(problems.filter((p) => p.check === c).map((p) => p.paymentId)).size;
    for (const c of NOTICES) result.notices[c] = new Set(problems.filter((p) => p.check === c).map((p) => p.paymentId)).size;
    const inf = result.info;
    inf.events = messages.length;
    tracked.forEach((t, i) => {
      const view = t.paymentId ? observed.get(t.paymentId)?.view : null;
      const order = t.merchantTransId ? orders.get(t.merchantTransId) : undefined;
      result.payments.push({
        paymentId: t.paymentId ?? null,
        product: t.plan.product,
        shopper: t.plan.shopper,
        merchant: t.plan.merchant,
        amount: t.plan.amount,
        accepted: t.accepted,
        drivenMs: drivenMs[i],
        status: view ? view.status : 'NO_VIEW',
        refunded: view ? view.refundedAmount.value : 0,
        gatewayStatus: order ? order.status : null,
        requests: t.requests,
        notes: t.notes,
        seenStatuses: [...t.seenStatuses],
      });
    });
    for (const t of tracked) {
      inf.byProduct[t.plan.product] = (inf.byProduct[t.plan.product] ?? 0) + 1;
      if (t.accepted) inf.accepted += 1;
      else inf.notAccepted += 1;
      if (t.unanswered) inf.unanswered += 1;
      const view = t.paymentId ? observed.get(t.paymentId)?.view : null;
      const status = view ? view.status : 'NO_VIEW';
      inf.finalStatus[status] = (inf.finalStatus[status] ?? 0) + 1;
      for (const r of view?.refunds ?? []) {
        if (r.status === 'SUCCEEDED') inf.refundsSucceeded += 1;
        if (r.status === 'FAILED') inf.refundsFailed += 1;
      }
    }
    result.paymentsPerSecond = result.loadMs > 0 ? opts.n / (result.loadMs / 1000) : 0;
    result.ok =
      CHECKS.every((c) => result.counts[c] === 0) && result.disruptionsDone === result.disruptionsPlanned && !result.info.streamError;
  } catch (err) {
    result.error = (err as Error).stack ?? String(err);
    say(`chaos run failed: ${result.error}`);
  } finally {
    result.info.unexpectedExits = cluster.unexpectedExits.map((e) => ({ name: e.name, atMs: e.at - t0, code: e.code, signal: e.signal }));
    result.info.workerStarts = cluster.workerStarts;
    say(`[${secs(t0)}] stopping the servers`);
    await cluster.stop().catch((err) => say(`  stopping failed: ${(err as Error).message}`));
    active.delete(cluster);
    process.off('exit', onExit);
    result.durationMs = Date.now() - t0;
    const keep = opts.keepDataDir === 'always' || (opts.keepDataDir === 'on-failure' && !result.ok);
    if (!keep) {
      rmSync(dir, { recursive: true, force: true });
      result.dataDir = null;
    }
  }
  if (opts.resultsFile) {
    mkdirSync(dirname(opts.resultsFile), { recursive: true });
    writeFileSync(opts.resultsFile, `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

const secs = (t0: number) => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

async function expectOk(answer: Promise<{ status: number; body: unknown }>, what: string): Promise<void> {
  const a = await answer;
  if (a.status !== 200) throw new Error(`${what} answered ${a.status}: ${JSON.stringify(a.body)}`);
}
