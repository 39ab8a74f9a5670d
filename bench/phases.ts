// The bench's measurements, each against one target: a throughput run (M payments, C at a time,
// POST → shopper pays → payment.succeeded), and the footprint steps (open payments and leave them
// PENDING; pay, refund and query some of them at random).
import { performance } from 'node:perf_hooks';
import type { MerchantClient } from '../client/index.js';
import { summary, type Summary } from './stats.js';
import { failureDetail, type Target } from './targets.js';

export interface Failure {
  merchantTransId: string;
  stage: string;
  detail: string;
}

/** Runs `work` over `items`, `c` at a time. */
export async function inLanes<T>(items: T[], c: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(c, items.length) }, lane));
}

export interface ThroughputResult {
  target: Target['name'];
  payments: number;
  concurrency: number;
  succeeded: number;
  wallMs: number;
  paymentsPerSecond: number;
  postMs: Summary;
  postToSucceededMs: Summary;
  /** Some payments that succeeded, for the history length. */
  sample: string[];
  failures: Failure[];
}

export async function throughput(t: Target, ids: string[], c: number, timeoutMs: number, duringRun?: (done: number) => void): Promise<ThroughputResult> {
  const failures: Failure[] = [];
  const post: number[] = [];
  const e2e: number[] = [];
  const sample: string[] = [];
  const phaseStart = performance.now();
  let lastDone = phaseStart;
  await inLanes(ids, c, async (id) => {
    const started = performance.now();
    const created = await t.create(id);
    if (!created.ok) return void failures.push({ merchantTransId: id, stage: 'create', detail: created.detail });
    post.push(created.ms);
    const paid = await t.pay(id);
    if (paid !== 200) return void failures.push({ merchantTransId: id, stage: 'shopper pays', detail: `sandbox answered ${paid}` });
    const outcome = await t.outcome(created.paymentId, started + timeoutMs);
    if (!outcome.ok) return void failures.push({ merchantTransId: id, stage: 'payment.succeeded', detail: `got ${outcome.type}` });
    e2e.push(outcome.at - started);
    lastDone = Math.max(lastDone, outcome.at);
    if (sample.length < 5) sample.push(created.paymentId);
    duringRun?.(e2e.length);
  });
  const wallMs = lastDone - phaseStart;
  return {
    target: t.name,
    payments: ids.length,
    concurrency: c,
    succeeded: e2e.length,
    wallMs: Math.round(wallMs),
    paymentsPerSecond: wallMs > 0 ? Math.round((e2e.length / (wallMs / 1000)) * 100) / 100 : 0,
    postMs: summary(post),
    postToSucceededMs: summary(e2e),
    sample,
    failures,
  };
}

/** Creates payments and leaves them PENDING (nobody pays). */
export async function openPending(t: Target, ids: string[], c: number, onOpened?: (n: number) => void) {
  const failures: Failure[] = [];
  const post: number[] = [];
  const open: { merchantTransId: string; paymentId: string }[] = [];
  await inLanes(ids, c, async (id) => {
    const created = await t.create(id);
    if (!created.ok) return void failures.push({ merchantTransId: id, stage: 'create', detail: created.detail });
    post.push(created.ms);
    open.push({ merchantTransId: id, paymentId: created.paymentId });
    onOpened?.(open.length);
  });
  return { open, postMs: summary(post), failures };
}

/** The shopper pays each; latency from the sandbox's pay to payment.succeeded on the stream. */
export async function payOpen(t: Target, open: { merchantTransId: string; paymentId: string }[], c: number, timeoutMs: number) {
  const failures: Failure[] = [];
  const ms: number[] = [];
  await inLanes(open, c, async (p) => {
    const started = performance.now();
    const paid = await t.pay(p.merchantTransId);
    if (paid !== 200) return void failures.push({ merchantTransId: p.merchantTransId, stage: 'shopper pays', detail: `sandbox answered ${paid}` });
    const outcome = await t.outcome(p.paymentId, started + timeoutMs);
    if (!outcome.ok) return void failures.push({ merchantTransId: p.merchantTransId, stage: 'payment.succeeded', detail: `got ${outcome.type}` });
    ms.push(outcome.at - started);
  });
  return { paid: ms.length, payToSucceededMs: summary(ms), failures };
}

/** A partial refund of each through the merchant client: POST …/refunds, then refund.succeeded on the stream. */
export async function refundSome(t: Target, merchant: MerchantClient, paid: { merchantTransId: string; paymentId: string }[], c: number, timeoutMs: number) {
  const failures: Failure[] = [];
  const post: number[] = [];
  const e2e: number[] = [];
  await inLanes(paid, c, async (p) => {
    const started = performance.now();
    const refundId = `r-${p.merchantTransId}`;
    try {
      const refund = await merchant.refund(p.paymentId, { refundId, amount: { currency: 'CNY', value: 100 } });
      // A new refund answers PENDING (a repeat answers as it is now; every refundId here is new).
      if (refund.refundId !== refundId || refund.status !== 'PENDING') return void failures.push({ merchantTransId: p.merchantTransId, stage: 'refund', detail: `answered refund ${refund.refundId} ${refund.status}` });
    } catch (err) {
      return void failures.push({ merchantTransId: p.merchantTransId, stage: 'refund', detail: failureDetail(err) });
    }
    post.push(performance.now() - started);
    const at = await t.arrival(p.paymentId, 'refund.succeeded', started + timeoutMs);
    if (at === null) return void failures.push({ merchantTransId: p.merchantTransId, stage: 'refund.succeeded', detail: 'not on the stream in time' });
    e2e.push(at - started);
  });
  return { refunded: e2e.length, postMs: summary(post), postToRefundSucceededMs: summary(e2e), failures };
}

/** GET /v1/payments/{id} for each (the merchant client's getPayment): the workflow's query, answered from cache or after a replay. */
export async function querySome(merchant: MerchantClient, open: { merchantTransId: string; paymentId: string }[], c: number) {
  const failures: Failure[] = [];
  const ms: number[] = [];
  await inLanes(open, c, async (p) => {
    const started = performance.now();
    try {
      const view = await merchant.getPayment(p.paymentId);
      if (view.paymentId !== p.paymentId) return void failures.push({ merchantTransId: p.merchantTransId, stage: 'query', detail: `answered ${view.paymentId}` });
    } catch (err) {
      return void failures.push({ merchantTransId: p.merchantTransId, stage: 'query', detail: failureDetail(err) });
    }
    ms.push(performance.now() - started);
  });
  return { answered: ms.length, ms: summary(ms), failures };
}

/** A random sample of `n` (Fisher–Yates on a copy). */
export function pick<T>(items: T[], n: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy.slice(0, n);
}
