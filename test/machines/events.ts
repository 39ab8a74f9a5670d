// Sample inputs and events for the four product machines, shared by the model-based coverage test
// (graph.test.ts) and the replay of the machines' paths on the real workflow. The samples cover
// every outcome of every guard in machines/shared.ts; the traversal below finds every snapshot the
// samples can reach, and representativePaths() picks the shortest way into each final state.
import { initialTransition, transition, type AnyStateMachine } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { PRODUCTS, type PayAction, type Product } from '../../gateway/wire.js';
import { MACHINES, type PaymentEvent, type PaymentInput, type PaymentMachine, type PaymentSnapshot } from '../../machines/index.js';

export { PRODUCTS };

/** Where a machine may end (finalStates in machines/payment-setup.ts). */
export const FINAL_STATES = ['succeeded', 'failed', 'expired', 'cancelled'] as const;
export type FinalState = (typeof FINAL_STATES)[number];

export const T0 = Date.UTC(2026, 10, 26, 2, 0, 0);
const amount = { currency: 'CNY', value: 1000 };
const wrongAmount = { currency: 'CNY', value: 1 };

/** PAYMENT_CODE gives up after a small number of polls, so the traversal sees pollsExhausted both ways. */
export const SAMPLE_MAX_POLLS = 2;

export function sampleInput(product: Product): PaymentInput {
  return {
    paymentId: `alipay-cn:sample-${product.toLowerCase()}`,
    merchantTransId: `sample-${product.toLowerCase()}`,
    product,
    amount,
    createdAt: T0,
    expiresAt: T0 + 30 * 60_000,
    cancelDeadline: T0 + 12 * 3600_000,
    pollInitialMs: product === 'PAYMENT_CODE' ? 3_000 : 10_000,
    pollMaxMs: product === 'PAYMENT_CODE' ? 3_000 : 300_000,
    maxPolls: product === 'PAYMENT_CODE' ? SAMPLE_MAX_POLLS : null,
    // What every ENTRY_CODE payment started since 0.4 carries (api/workflow-input.ts).
    ...(product === 'ENTRY_CODE' && { confirmByDetail: true }),
    // What every payment started since 0.6 carries: its cancellation period follows the payment date.
    timeZone: 'Asia/Shanghai',
  };
}

const PAY_ACTIONS: Record<Product, PayAction | null> = {
  CASHIER_PAYMENT: { type: 'REDIRECT', url: 'https://sandbox/cashier/g-1' },
  ORDER_CODE: { type: 'QRCODE', redirectUrl: 'https://qr.alipay.example/g-1' },
  PAYMENT_CODE: null,
  ENTRY_CODE: null,
};

/**
 * One event per outcome of each guard. The names are the labels used in path names. Times only
 * order the samples loosely: the machines copy `at` into the context but no guard reads it.
 */
export function sampleEvents(product: Product) {
  const payAction = PAY_ACTIONS[product];
  const pay = { type: 'PAY_ANSWERED', at: T0 + 1_000 } as const;
  const detail = { type: 'DETAIL_ANSWERED', at: T0 + 2_000 } as const;
  const found = { ...detail, found: true, gatewayTransId: 'g-1', amount, payAction } as const;
  const notified = { type: 'NOTIFIED', at: T0 + 3_000, gatewayTransId: 'g-1', product, amount } as const;
  const otherProduct = product === 'ENTRY_CODE' ? 'ORDER_CODE' : 'ENTRY_CODE';
  const cancel = { type: 'CANCEL_ANSWERED', at: T0 + 4_000 } as const;
  return {
    // PAY: payPending / paySucceeded / payFailed (twice) / payUnknown / payUnreachable, and ACCEPTED
    // with the two statuses no PAY guard reads (no guard passes).
    payAcceptedPending: { ...pay, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'PENDING', settlement: 'WAITING', payAction },
    payAcceptedSuccess: { ...pay, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'SUCCESS', settlement: 'PAID', payAction },
    payAcceptedFail: { ...pay, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'FAIL', settlement: 'FAILED', payAction },
    payAcceptedClosed: { ...pay, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'CLOSED', settlement: 'CLOSED', payAction },
    payAcceptedCancelled: { ...pay, outcome: 'ACCEPTED', gatewayTransId: 'g-1', status: 'CANCELLED', settlement: 'REVERSED', payAction },
    payRejected: { ...pay, outcome: 'REJECTED', code: 'PARAM_ILLEGAL', message: 'illegal parameter' },
    payUnknown: { ...pay, outcome: 'UNKNOWN', reason: 'timeout' },
    payUnreachable: { ...pay, outcome: 'UNREACHABLE', message: 'ECONNREFUSED' },
    // DETAIL: every status, no order at all, and a SUCCESS for another amount (detailSucceeded false).
    detailNotFound: { ...detail, found: false },
    detailPending: { ...found, status: 'PENDING', settlement: 'WAITING' },
    detailSuccess: { ...found, status: 'SUCCESS', settlement: 'PAID' },
    detailSuccessWrongAmount: { ...found, status: 'SUCCESS', settlement: 'PAID', amount: wrongAmount },
    detailFail: { ...found, status: 'FAIL', settlement: 'FAILED' },
    detailClosed: { ...found, status: 'CLOSED', settlement: 'CLOSED' },
    detailCancelled: { ...found, status: 'CANCELLED', settlement: 'REVERSED' },
    // NOTIFIED: success, failure, the success again (same notifyId) and a success for another amount.
    notifiedSuccess: { ...notified, notifyId: 'n-1', status: 'SUCCESS' },
    notifiedFail: { ...notified, notifyId: 'n-2', status: 'FAIL' },
    notifiedDuplicate: { ...notified, at: T0 + 3_500, notifyId: 'n-1', status: 'SUCCESS' },
    notifiedWrongAmount: { ...notified, notifyId: 'n-3', status: 'SUCCESS', amount: wrongAmount },
    notifiedSuccessLater: { ...notified, at: T0 + 8_500, notifyId: 'n-4', status: 'SUCCESS' },
    // A signed notification about another order (another gatewayTransId and product): only flagged.
    notifiedOtherOrder: { ...notified, notifyId: 'n-5', status: 'SUCCESS', gatewayTransId: 'g-other', product: otherProduct },
    // Timers.
    pollDue: { type: 'POLL_DUE', at: T0 + 10_000 },
    expiryDue: { type: 'EXPIRY_DUE', at: T0 + 30 * 60_000 },
    // CANCEL: accepted, and refused because the order changed meanwhile.
    cancelOk: { ...cancel, ok: true, status: 'CLOSED' },
    cancelRefused: { ...cancel, ok: false, code: 'ORDER_STATUS_INVALID', message: 'the order is paid' },
    // The merchant's requests after payment, and the refund answers.
    refundRequested: { type: 'REFUND_REQUESTED', at: T0 + 5_000, refundId: 'r-1', amount: { currency: 'CNY', value: 600 }, reason: null },
    refundRequestedRest: { type: 'REFUND_REQUESTED', at: T0 + 5_500, refundId: 'r-2', amount: { currency: 'CNY', value: 400 }, reason: null },
    refundAnsweredPending: { type: 'REFUND_ANSWERED', at: T0 + 6_000, refundId: 'r-1', status: 'PENDING', gatewayRefundId: 'gr-1' },
    refundAnsweredSuccess: { type: 'REFUND_ANSWERED', at: T0 + 6_500, refundId: 'r-1', status: 'SUCCESS', gatewayRefundId: 'gr-1' },
    refundAnsweredFail: { type: 'REFUND_ANSWERED', at: T0 + 6_500, refundId: 'r-1', status: 'FAIL', gatewayRefundId: 'gr-1', code: 'REFUND_FAILED', message: 'refused' },
    refundPollDue: { type: 'REFUND_POLL_DUE', at: T0 + 7_000 },
    cancelRequested: { type: 'CANCEL_REQUESTED', at: T0 + 8_000 },
    cancelWindowClosed: { type: 'CANCEL_WINDOW_CLOSED', at: T0 + 12 * 3600_000 + 1 },
    // The full refund of a payment taken after it had expired or been cancelled.
    lateRefundPending: { type: 'REFUND_ANSWERED', at: T0 + 9_000, refundId: `late-sample-${product.toLowerCase()}`, status: 'PENDING', gatewayRefundId: 'gr-late' },
    lateRefundSuccess: { type: 'REFUND_ANSWERED', at: T0 + 9_500, refundId: `late-sample-${product.toLowerCase()}`, status: 'SUCCESS', gatewayRefundId: 'gr-late' },
    lateRefundFail: { type: 'REFUND_ANSWERED', at: T0 + 9_500, refundId: `late-sample-${product.toLowerCase()}`, status: 'FAIL', gatewayRefundId: 'gr-late' },
  } satisfies Record<string, PaymentEvent>;
}

export type SampleName = keyof ReturnType<typeof sampleEvents>;

/** The sample's name for an event of sampleEvents(product) (the same object), for messages. */
export function sampleName(product: Product, event: PaymentEvent): string {
  const samples = samplesOf(product);
  const byIdentity = Object.entries(samples).find(([, e]) => e === event);
  if (byIdentity) return byIdentity[0];
  const json = JSON.stringify(event);
  return Object.entries(samples).find(([, e]) => JSON.stringify(e) === json)?.[0] ?? json;
}

/**
 * The traversal key: the state value and the context the guards read (refunds, cancelInFlight and
 * cancelWindowClosed for the after-payment requests). payAttempts (canPayAgain),
 * pollCount capped at maxPolls (pollsExhausted only compares it with maxPolls; without maxPolls
 * it is irrelevant, so 0) and notifyIds (duplicate notifications). Everything else the guards
 * read (amount, maxPolls) is fixed by the input.
 */
export function serializeForGuards(snapshot: PaymentSnapshot): string {
  const c = snapshot.context;
  const polls = c.maxPolls == null ? 0 : Math.min(c.pollCount, c.maxPolls);
  const refunds = c.refunds.map((r) => `${r.refundId}:${r.status}`);
  return JSON.stringify([snapshot.value, c.payAttempts, polls, [...c.notifyIds].sort(), refunds, c.cancelInFlight, c.cancelWindowClosed]);
}

export interface MachinePath {
  state: PaymentSnapshot;
  events: PaymentEvent[];
}

const samplesCache = new Map<Product, Record<string, PaymentEvent>>();
const pathsCache = new Map<Product, MachinePath[]>();

function samplesOf(product: Product): Record<string, PaymentEvent> {
  let samples = samplesCache.get(product);
  if (!samples) samplesCache.set(product, (samples = sampleEvents(product)));
  return samples;
}

/** The shortest path (in events) to every distinct snapshot (serializeForGuards) the samples reach. */
export function shortestPaths(product: Product): MachinePath[] {
  const cached = pathsCache.get(product);
  if (cached) return cached;
  const machine: PaymentMachine = MACHINES[product];
  const paths = getShortestPaths(machine as AnyStateMachine, {
    input: sampleInput(product),
    events: Object.values(samplesOf(product)),
    serializeState: (s) => serializeForGuards(s as PaymentSnapshot),
  }).map((p) => ({
    state: p.state as PaymentSnapshot,
    // The first step is the machine's own start (xstate.init), not one of ours.
    events: p.steps.map((s) => s.event as PaymentEvent).filter((e) => (e.type as string) !== 'xstate.init'),
  }));
  pathsCache.set(product, paths);
  return paths;
}

export interface RepresentativePath {
  /** e.g. `succeeded: payAcceptedSuccess` */
  name: string;
  final: FinalState;
  events: PaymentEvent[];
}

/**
 * For each final state the machine can reach, the events of the shortest path into it (ties go
 * to the sample listed first in sampleEvents). Declared final states nothing leads to are left out.
 */
export function representativePaths(product: Product): RepresentativePath[] {
  const paths = shortestPaths(product);
  return FINAL_STATES.flatMap((final) => {
    const into = paths.filter((p) => p.state.value === final);
    if (into.length === 0) return [];
    const best = into.reduce((a, b) => (b.events.length < a.events.length ? b : a));
    const name = `${final}: ${best.events.map((e) => sampleName(product, e)).join(' → ')}`;
    return [{ name, final, events: best.events }];
  });
}

/** Journeys through the states between start and end (reconciling, expiry, reversal), by sample name. */
const JOURNEYS: Record<Product, SampleName[][]> = {
  CASHIER_PAYMENT: [
    ['payUnknown', 'detailPending', 'notifiedSuccess'],
    ['payUnknown', 'detailNotFound', 'payAcceptedPending', 'pollDue', 'detailFail'],
    ['payAcceptedPending', 'notifiedWrongAmount', 'pollDue', 'detailSuccess'],
    ['payAcceptedPending', 'expiryDue', 'detailPending', 'cancelOk'],
    ['payAcceptedPending', 'expiryDue', 'detailPending', 'cancelRefused', 'detailSuccess'],
    ['payAcceptedPending', 'notifiedSuccess', 'refundRequested', 'refundAnsweredPending', 'refundPollDue', 'refundAnsweredSuccess'],
    ['payAcceptedPending', 'cancelRequested', 'cancelOk'],
    ['payAcceptedPending', 'cancelRequested', 'cancelOk', 'notifiedSuccess', 'detailSuccess', 'lateRefundSuccess'],
    ['payAcceptedPending', 'notifiedWrongAmount', 'notifiedSuccess'],
    ['payAcceptedPending', 'notifiedOtherOrder', 'notifiedSuccess'],
  ],
  ORDER_CODE: [
    ['payAcceptedPending', 'expiryDue', 'detailClosed', 'notifiedSuccess', 'detailSuccess', 'lateRefundPending', 'refundPollDue', 'lateRefundSuccess'],
    ['payAcceptedSuccess', 'cancelRequested', 'cancelOk'],
    ['payAcceptedSuccess', 'refundRequested', 'refundAnsweredFail', 'refundRequestedRest', 'refundAnsweredSuccess'],
    ['payUnknown', 'detailPending', 'notifiedFail'],
    ['payAcceptedPending', 'expiryDue', 'detailPending', 'cancelOk'],
  ],
  PAYMENT_CODE: [
    ['payUnknown', 'detailPending', 'notifiedSuccess'],
    ['payAcceptedPending', 'pollDue', 'detailPending', 'pollDue', 'detailPending', 'pollDue', 'cancelOk'],
    ['payAcceptedPending', 'expiryDue', 'cancelRefused', 'detailSuccess'],
  ],
  ENTRY_CODE: [
    ['notifiedWrongAmount', 'notifiedSuccess', 'detailSuccess'],
    ['notifiedOtherOrder', 'notifiedSuccess', 'detailPending', 'pollDue', 'detailNotFound'],
  ],
};

export function journeyPaths(product: Product): RepresentativePath[] {
  const samples = sampleEvents(product) as Record<SampleName, PaymentEvent>;
  return JOURNEYS[product].map((names) => {
    const events = names.map((n) => samples[n]);
    const machine = MACHINES[product] as AnyStateMachine;
    let snapshot = initialTransition(machine, sampleInput(product))[0];
    for (const e of events) snapshot = transition(machine, snapshot, e)[0];
    const final = snapshot.value as FinalState;
    if (!FINAL_STATES.includes(final)) throw new Error(`${product} journey ${names.join(' → ')} ends in ${final}, not a final state`);
    return { name: `${final}: ${names.join(' → ')}`, final, events };
  });
}
