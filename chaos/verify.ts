// The end of a run: wait (bounded) until every payment is final, read the whole event stream once
// it has caught up, fetch what the gateway holds, and count the broken invariants.
import { connect, type NatsConnection } from 'nats';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaymentEvent, STREAM_NAME } from '../events/schema.js';
import type { Tracked } from './driver.js';
import { request } from './http.js';

const FINAL = new Set(['SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED']);
const STATUS_EVENT: Record<string, string> = {
  PENDING: 'payment.pending',
  SUCCEEDED: 'payment.succeeded',
  FAILED: 'payment.failed',
  EXPIRED: 'payment.expired',
  CANCELLED: 'payment.cancelled',
};

export interface Observed {
  /** Last GET /v1/payments/{id}: 200 with the view, 404, or no answer (0 / 5xx). */
  httpStatus: number;
  view: any | null;
  settled: boolean;
  /** When it was first seen 404 (epoch ms). */
  missingSince?: number;
  /** The error code of the last answer that was not 200. */
  errorCode?: string;
  fingerprint?: string;
}

export interface StreamMessage {
  seq: number;
  subject: string;
  msgId: string | undefined;
  event: PaymentEvent | null;
  parseError?: string;
}

const isSettled = (view: any) => FINAL.has(view.status) && !(view.refunds ?? []).some((r: any) => r.status === 'PENDING');
const fingerprintOf = (view: any) =>
  JSON.stringify([view.status, view.machineState, view.updatedAt, view.refundedAmount, (view.refunds ?? []).map((r: any) => [r.refundId, r.status])]);

async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/**
 * Polls every payment's view until it is final (SUCCEEDED with no refund pending, FAILED, EXPIRED,
 * CANCELLED) and unchanged since the previous round, or 404 for longer than the gateway retries
 * its notifications (`missingGraceMs`), or until `deadline`.
 */
export async function awaitFinal(
  tracked: readonly Tracked[],
  apiUrl: string,
  apiKey: string,
  deadline: number,
  missingGraceMs: number,
  say: (line: string) => void,
): Promise<Map<string, Observed>> {
  const observed = new Map<string, Observed>();
  const ids = tracked.flatMap((t) => (t.paymentId ? [t.paymentId] : []));
  const byId = new Map(tracked.flatMap((t) => (t.paymentId ? [[t.paymentId, t] as const] : [])));
  for (const id of ids) observed.set(id, { httpStatus: 0, view: null, settled: false });
  let lastReport = 0;
  for (let round = 0; ; round++) {
    const open = ids.filter((id) => !observed.get(id)!.settled);
    await pool(open, 8, async (id) => {
      const o = observed.get(id)!;
      const a = await request('GET', `${apiUrl}/v1/payments/${encodeURIComponent(id)}`, { headers: { authorization: `Bearer ${apiKey}` }, timeoutMs: 10_000 });
      o.httpStatus = a.status;
      o.errorCode = a.status === 200 ? undefined : a.body?.error?.code;
      // Missing, or failing to replay (the known SDK defect: nothing changes it without an operator).
      if (a.status === 404 || (a.status === 503 && o.errorCode === 'PAYMENT_UNAVAILABLE')) {
        o.view = null;
        o.missingSince ??= Date.now();
        o.settled = Date.now() - o.missingSince >= missingGraceMs;
        return;
      }
      if (a.status !== 200) return;
      delete o.missingSince;
      if (typeof a.body?.status === 'string') byId.get(id)?.seenStatuses.add(a.body.status);
      const fp = fingerprintOf(a.body);
      o.settled = isSettled(a.body) && fp === o.fingerprint;
      o.fingerprint = fp;
      o.view = a.body;
    });
    const left = ids.filter((id) => !observed.get(id)!.settled);
    if (left.length === 0 || Date.now() > deadline) break;
    if (Date.now() - lastReport > 15_000) {
      lastReport = Date.now();
      const byStatus = new Map<string, number>();
      for (const id of left) {
        const o = observed.get(id)!;
        const k = o.view ? o.view.status : `http ${o.httpStatus}`;
        byStatus.set(k, (byStatus.get(k) ?? 0) + 1);
      }
      say(`  waiting for ${left.length} payments to be final: ${[...byStatus].map(([k, v]) => `${k} ${v}`).join(', ')}`);
    }
    // Poll interval of the settle phase (views change by workflow timers, not by anything we hold).
    await sleep(2_000);
  }
  return observed;
}

/** Reads every message of the stream once, in stream order. */
export async function readStream(natsUrl: string, timeoutMs = 60_000): Promise<StreamMessage[]> {
  const nc: NatsConnection = await connect({ servers: natsUrl, name: 'alipay-cn-chaos-reader', maxReconnectAttempts: -1 });
  try {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(STREAM_NAME);
    const last = info.state.last_seq;
    const out: StreamMessage[] = [];
    if (info.state.messages === 0) return out;
    const consumer = await nc.jetstream().consumers.get(STREAM_NAME);
    const messages = await consumer.consume({ max_messages: 1_000 });
    const timer = setTimeout(() => messages.stop(), timeoutMs);
    try {
      for await (const m of messages) {
        let event: PaymentEvent | null = null;
        let parseError: string | undefined;
        try {
          event = PaymentEvent.parse(m.json());
        } catch (err) {
          parseError = (err as Error).message.slice(0, 300);
        }
        out.push({ seq: m.seq, subject: m.subject, msgId: m.headers?.get('Nats-Msg-Id') || undefined, event, ...(parseError && { parseError }) });
        if (m.seq >= last) break;
      }
    } finally {
      clearTimeout(timer);
      messages.stop();
    }
    if (out.length === 0 || out[out.length - 1].seq < last) throw new Error(`read ${out.length} of the stream's messages up to seq ${last} within ${timeoutMs} ms`);
    return out;
  } finally {
    await nc.close();
  }
}

/** The events of each payment (by subject = paymentId), in stream order. */
export function eventsByPayment(messages: readonly StreamMessage[]): Map<string, StreamMessage[]> {
  const by = new Map<string, StreamMessage[]>();
  for (const m of messages) {
    const key = m.event?.subject ?? '(unparsable)';
    const list = by.get(key) ?? [];
    list.push(m);
    by.set(key, list);
  }
  return by;
}

/** Every settled payment's last event already shows its final view (status and refunded amount). */
export function streamCaughtUp(observed: Map<string, Observed>, events: Map<string, StreamMessage[]>): string[] {
  const behind: string[] = [];
  for (const [id, o] of observed) {
    if (!o.view || !FINAL.has(o.view.status)) continue;
    const list = events.get(id) ?? [];
    const lastEvent = [...list].sort((a, b) => (a.event?.sequence ?? 0) - (b.event?.sequence ?? 0)).at(-1)?.event;
    if (!lastEvent || lastEvent.data.status !== o.view.status || lastEvent.data.refundedAmount.value !== o.view.refundedAmount.value) behind.push(id);
  }
  return behind;
}

export async function fetchOrders(tracked: readonly Tracked[], sandboxUrl: string): Promise<Map<string, any>> {
  const orders = new Map<string, any>();
  await pool(tracked.filter((t) => t.merchantTransId), 8, async (t) => {
    const a = await request('GET', `${sandboxUrl}/sandbox/payments/${encodeURIComponent(t.merchantTransId!)}`, { timeoutMs: 10_000 });
    if (a.status === 200) orders.set(t.merchantTransId!, a.body);
    else if (a.status !== 404) throw new Error(`GET /sandbox/payments/${t.merchantTransId} answered ${a.status}`);
  });
  return orders;
}

export const CHECKS = ['lost', 'stuck', 'paidTwice', 'refundedPastAmount', 'eventsNotExactlyOnce', 'viewGatewayEventsDisagree'] as const;
export type Check = (typeof CHECKS)[number];
/**
 * Reported, not counted in the verdict: a status the harness saw in a view (say PENDING while PAY's
 * outcome is reconciled, or while an entry-code notification is confirmed by DETAIL) that no event
 * ever announced. The contract's payment.pending means "payAction known", so these transient
 * PENDINGs may be by design; the run lists them so the contract can be settled. And payments
 * whose workflow fails to replay because of the Temporal SDK defect in docs/known-issues (503
 * PAYMENT_UNAVAILABLE), which test/known-issues.test.ts tracks.
 */
export const NOTICES = ['statusSeenWithoutEvent', 'knownSdkDefect'] as const;
export type Notice = (typeof NOTICES)[number];

export interface Problem {
  check: Check | Notice;
  paymentId: string;
  detail: string;
}

const sumWhere = (list: any[] | undefined, pred: (x: any) => boolean, value: (x: any) => number) =>
  (list ?? []).filter(pred).reduce((s, x) => s + value(x), 0);

/** Which gateway order statuses agree with a final view status (late successes refunded in full aside). */
function gatewayAgrees(view: any, order: any | undefined): boolean {
  const refundedUpstream = sumWhere(order?.refunds, (r) => r.status === 'SUCCESS', (r) => r.refundAmount.value);
  switch (order?.status) {
    case undefined:
      // PAY never landed: the service may fail or expire/cancel a payment the gateway never had.
      return view.status === 'FAILED' || view.status === 'EXPIRED' || view.status === 'CANCELLED';
    case 'SUCCESS':
      return view.status === 'SUCCEEDED' || (FINAL.has(view.status) && refundedUpstream === order.amount.value);
    case 'FAIL':
      return view.status === 'FAILED';
    case 'CLOSED':
      return view.status === 'EXPIRED' || view.status === 'CANCELLED';
    case 'CANCELLED':
      return view.status === 'CANCELLED';
    default:
      return false;
  }
}

/** Checks every payment; a payment counts once per check it breaks. */
export function check(
  tracked: readonly Tracked[],
  observed: Map<string, Observed>,
  events: Map<string, StreamMessage[]>,
  orders: Map<string, any>,
): Problem[] {
  const problems: Problem[] = [];
  const flag = (check: Check | Notice, paymentId: string, detail: string) => problems.push({ check, paymentId, detail });
  const known = new Set(tracked.flatMap((t) => (t.paymentId ? [t.paymentId] : [])));
  for (const [subject, list] of events) {
    if (!known.has(subject)) flag('eventsNotExactlyOnce', subject, `${list.length} event(s) for a payment the run never made${list[0]?.parseError ? `: ${list[0].parseError}` : ''}`);
  }

  for (const t of tracked) {
    if (!t.paymentId) continue;
    const id = t.paymentId;
    const o = observed.get(id)!;
    const order = t.merchantTransId ? orders.get(t.merchantTransId) : undefined;
    const view = o.view;
    const list = events.get(id) ?? [];
    const amount = t.plan.amount;

    // Lost: accepted (or paid upstream) but no workflow to show for it.
    if (!view) {
      if (o.httpStatus === 404 && (t.accepted || order)) {
        flag('lost', id, `no workflow (GET 404); API accepted: ${t.accepted}; gateway order: ${order ? order.status : 'none'}; ${list.length} event(s)`);
      } else if (o.httpStatus === 503 && o.errorCode === 'PAYMENT_UNAVAILABLE') {
        // Its workflow fails to replay (TMPRL1100): the Temporal SDK defect of docs/known-issues,
        // reported apart from the service's own invariants, never silently.
        flag('knownSdkDefect', id, 'the workflow fails to replay on the worker (nondeterminism error): docs/known-issues/README.md');
      } else if (o.httpStatus !== 404 && (t.accepted || order || list.length)) {
        flag('stuck', id, `the view could not be read at the end (last GET ${o.httpStatus})`);
      }
      continue;
    }
    if (!o.settled) flag('stuck', id, `not final at the end: ${view.status} (${view.machineState}), refunds ${JSON.stringify(view.refunds.map((r: any) => r.status))}`);

    // Paid twice upstream: more than one gateway order or payment for one payment.
    const gtids = new Set<string>(
      [view.gatewayTransId, order?.gatewayTransId, ...list.map((m) => m.event?.data.gatewayTransId)].filter((x): x is string => typeof x === 'string' && x.length > 0),
    );
    const successResults = (order?.deliveries ?? []).filter((d: any) => d.notifyType === 'PAYMENT_RESULT' && d.status === 'SUCCESS' && !d.duplicate);
    if (gtids.size > 1) flag('paidTwice', id, `gateway orders ${[...gtids].join(', ')}`);
    else if (successResults.length > 1) flag('paidTwice', id, `${successResults.length} PAYMENT_RESULT SUCCESS notifications (not counting deliberate duplicates)`);

    // Refunded past the amount, anywhere.
    const viewCommitted = sumWhere(view.refunds, (r) => r.status !== 'FAILED', (r) => r.amount.value);
    const upstreamCommitted = sumWhere(order?.refunds, (r) => r.status !== 'FAIL', (r) => r.refundAmount.value);
    const eventMax = Math.max(0, ...list.map((m) => m.event?.data.refundedAmount.value ?? 0));
    if (view.refundedAmount.value > amount || viewCommitted > amount || upstreamCommitted > amount || eventMax > amount) {
      flag('refundedPastAmount', id, `amount ${amount}: view refunded ${view.refundedAmount.value} (committed ${viewCommitted}), gateway ${upstreamCommitted}, events up to ${eventMax}`);
    }

    // Events exactly once, in sequence, one per status change.
    const why: string[] = [];
    const parsed = list.filter((m) => m.event);
    if (parsed.length !== list.length) why.push(`${list.length - parsed.length} unparsable`);
    const idsSeen = new Map<string, number>();
    for (const m of parsed) idsSeen.set(m.event!.id, (idsSeen.get(m.event!.id) ?? 0) + 1);
    const dupIds = [...idsSeen].filter(([, c]) => c > 1).map(([k, c]) => `${k}×${c}`);
    if (dupIds.length) why.push(`duplicate ids ${dupIds.join(', ')}`);
    const seqs = parsed.map((m) => m.event!.sequence);
    const sorted = [...seqs].sort((a, b) => a - b);
    if (!sorted.every((s, i) => s === i + 1)) why.push(`sequences ${sorted.join(',')} are not 1..${sorted.length}`);
    else if (!seqs.every((s, i) => i === 0 || s > seqs[i - 1])) why.push(`published out of order: ${seqs.join(',')}`);
    for (const m of parsed) {
      const e = m.event!;
      if (e.id !== `${id}/${e.sequence}`) why.push(`event id ${e.id} for sequence ${e.sequence}`);
      if (m.msgId !== e.id) why.push(`Nats-Msg-Id ${m.msgId} for event ${e.id}`);
      if (m.subject !== `payments.alipay_cn.${e.data.product}.${e.type.replace(/^alipay_cn\./, '')}`) why.push(`subject ${m.subject} for ${e.type}`);
    }
    const inOrder = [...parsed].sort((a, b) => a.event!.sequence - b.event!.sequence).map((m) => m.event!);
    const types = inOrder.map((e) => e.type.replace(/^alipay_cn\./, ''));
    let previous = 'CREATED';
    for (const e of inOrder) {
      const type = e.type.replace(/^alipay_cn\./, '');
      const statusType = Object.entries(STATUS_EVENT).find(([, v]) => v === type)?.[0];
      if (statusType && e.data.status !== statusType) why.push(`#${e.sequence} ${type} carries status ${e.data.status}`);
      if (e.data.status !== previous && STATUS_EVENT[e.data.status] !== type) why.push(`#${e.sequence} status ${previous}→${e.data.status} announced as ${type}`);
      previous = e.data.status;
    }
    for (const [status, type] of Object.entries(STATUS_EVENT)) {
      const count = types.filter((x) => x === type).length;
      if (count > 1) why.push(`${count}× ${type}`);
      if (status === view.status && count !== 1) why.push(`final status ${status} but ${count}× ${type}`);
    }
    const refundsIn = (s: string) => view.refunds.filter((r: any) => r.status === s).length;
    const succeededEvents = types.filter((x) => x === 'refund.succeeded').length;
    const failedEvents = types.filter((x) => x === 'refund.failed').length;
    if (succeededEvents !== refundsIn('SUCCEEDED')) why.push(`${succeededEvents}× refund.succeeded for ${refundsIn('SUCCEEDED')} succeeded refund(s)`);
    if (failedEvents !== refundsIn('FAILED')) why.push(`${failedEvents}× refund.failed for ${refundsIn('FAILED')} failed refund(s)`);
    if (why.length) flag('eventsNotExactlyOnce', id, `${why.join('; ')} [${types.join(', ')}]`);
    const unannounced = [...t.seenStatuses].filter((s) => STATUS_EVENT[s] && !types.includes(STATUS_EVENT[s]));
    if (unannounced.length) flag('statusSeenWithoutEvent', id, `the view showed ${unannounced.join(', ')} but no ${unannounced.map((s) => STATUS_EVENT[s]).join(', ')} event [${types.join(', ')}]`);

    // The view, the gateway and the last event tell the same story.
    const disagree: string[] = [];
    const last = inOrder.at(-1);
    if (!last) disagree.push('no event');
    else {
      if (last.data.status !== view.status) disagree.push(`last event ${last.data.status}, view ${view.status}`);
      if (last.data.refundedAmount.value !== view.refundedAmount.value) disagree.push(`last event refunded ${last.data.refundedAmount.value}, view ${view.refundedAmount.value}`);
    }
    if (FINAL.has(view.status) && !gatewayAgrees(view, order)) disagree.push(`view ${view.status}, gateway ${order ? order.status : 'no order'}`);
    const refundedUpstream = sumWhere(order?.refunds, (r) => r.status === 'SUCCESS', (r) => r.refundAmount.value);
    if (refundedUpstream !== view.refundedAmount.value) disagree.push(`refunded: view ${view.refundedAmount.value}, gateway ${refundedUpstream}`);
    if (order && view.gatewayTransId && order.gatewayTransId !== view.gatewayTransId) disagree.push(`gatewayTransId: view ${view.gatewayTransId}, gateway ${order.gatewayTransId}`);
    if (view.amount.value !== amount) disagree.push(`amount: view ${view.amount.value}, asked ${amount}`);
    if (disagree.length) flag('viewGatewayEventsDisagree', id, disagree.join('; '));
  }
  return problems;
}
