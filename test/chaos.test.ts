// The chaos harness of `npm run chaos` (chaos/run.ts) on a small scale: its own Temporal dev server,
// nats-server, sandbox, API and worker processes; 16 payments (every product, the first scenarios
// of each: refunds racing, duplicate refunds, cancels, declines, expiry, reversal) under the
// sandbox's faults while the worker is killed with SIGKILL, Temporal restarts and NATS is down for
// 3 s. Every invariant count must be 0.
import { describe, expect, it } from 'vitest';
import { defaultOptions, type ChaosOptions } from '../chaos/options.js';
import { formatReport } from '../chaos/report.js';
import { runChaos } from '../chaos/run.js';
import type { Tracked } from '../chaos/driver.js';
import { check, type Observed, type StreamMessage } from '../chaos/verify.js';

const lines: string[] = [];
const options: ChaosOptions = {
  ...defaultOptions(),
  n: 16,
  seed: 20261127,
  concurrency: 8,
  disruptions: [
    { kind: 'worker-kill', atFraction: 0.25 },
    { kind: 'temporal-restart', atFraction: 0.5 },
    { kind: 'nats-outage', atFraction: 0.75, downMs: 3_000 },
  ],
  expirySeconds: 30,
  detailPoll: { initialSeconds: 1, maxSeconds: 3 },
  paymentCode: { pollSeconds: 1, maxPolls: 12, confirmSeconds: 15 },
  settleTimeoutMs: 50_000,
  requestDeadlineMs: 40_000,
  // chaos/results/latest.json is the full run's record; the report is printed when this one fails.
  resultsFile: null,
  keepDataDir: 'on-failure',
  log: (line) => lines.push(line),
};

describe('chaos (small)', () => {
  it('loses nothing, pays once, refunds within the amount, publishes each change once, and agrees with the gateway', { timeout: 110_000 }, async () => {
    const result = await runChaos(options);
    const report = formatReport(result);
    if (!result.ok) console.error(`${lines.join('\n')}\n${report}`);
    expect(result.error).toBeUndefined();
    expect(result.disruptionsDone).toBe(3);
    expect(new Set(result.payments.map((p) => p.product))).toEqual(new Set(['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE']));
    expect(result.counts).toEqual({
      lost: 0,
      stuck: 0,
      paidTwice: 0,
      refundedPastAmount: 0,
      eventsNotExactlyOnce: 0,
      viewGatewayEventsDisagree: 0,
    });
    expect(result.ok).toBe(true);
  });
});

// The counts are only worth something if they bite: each check against a payment that breaks it.
describe('chaos checks', () => {
  const amount = 1000;
  const tracked = (n: number): Tracked => ({
    plan: { index: n, product: 'CASHIER_PAYMENT', merchantTransId: `m-${n}`, amount, shopper: 'pay', merchant: 'refund', explicitExpiry: true, thinkMs: 0 },
    paymentId: `alipay-cn:m-${n}`,
    merchantTransId: `m-${n}`,
    accepted: true,
    unanswered: false,
    requests: [],
    notes: [],
    seenStatuses: new Set(['PENDING', 'SUCCEEDED']),
  });
  const view = (n: number, status: string, refunded: number, extra: object = {}) => ({
    paymentId: `alipay-cn:m-${n}`,
    product: 'CASHIER_PAYMENT',
    status,
    amount: { currency: 'CNY', value: amount },
    refundedAmount: { currency: 'CNY', value: refunded },
    gatewayTransId: `g-${n}`,
    refunds: refunded ? [{ refundId: 'r1', amount: { currency: 'CNY', value: refunded }, status: 'SUCCEEDED' }] : [],
    machineState: status.toLowerCase(),
    ...extra,
  });
  const message = (n: number, seq: number, sequence: number, type: string, data: object): StreamMessage => ({
    seq,
    subject: `payments.alipay_cn.CASHIER_PAYMENT.${type}`,
    msgId: `alipay-cn:m-${n}/${sequence}`,
    event: { id: `alipay-cn:m-${n}/${sequence}`, subject: `alipay-cn:m-${n}`, type: `alipay_cn.${type}`, sequence, data } as never,
  });
  const goodEvents = (n: number, v = view(n, 'SUCCEEDED', 300)) => [
    message(n, 1, 1, 'payment.pending', view(n, 'PENDING', 0)),
    message(n, 2, 2, 'payment.succeeded', view(n, 'SUCCEEDED', 0)),
    message(n, 3, 3, 'refund.succeeded', v),
  ];
  const order = (n: number, status: string, refunds: number[]) => ({
    merchantTransId: `m-${n}`,
    gatewayTransId: `g-${n}`,
    status,
    amount: { currency: 'CNY', value: amount },
    refunds: refunds.map((value) => ({ status: 'SUCCESS', refundAmount: { currency: 'CNY', value } })),
    deliveries: [{ notifyType: 'PAYMENT_RESULT', status: 'SUCCESS', duplicate: false }],
  });
  const run = (cases: { t: Tracked; o: Observed; events: StreamMessage[]; order?: object }[]) =>
    check(
      cases.map((c) => c.t),
      new Map(cases.map((c) => [c.t.paymentId!, c.o])),
      new Map(cases.map((c) => [c.t.paymentId!, c.events])),
      new Map(cases.flatMap((c) => (c.order ? [[c.t.merchantTransId!, c.order]] : []))),
    );
  const settled = (v: object): Observed => ({ httpStatus: 200, view: v, settled: true });

  it('finds nothing wrong with a consistent payment', () => {
    expect(run([{ t: tracked(1), o: settled(view(1, 'SUCCEEDED', 300)), events: goodEvents(1), order: order(1, 'SUCCESS', [300]) }])).toEqual([]);
  });

  it('counts each broken invariant', () => {
    const problems = run([
      // lost: accepted, no workflow
      { t: tracked(2), o: { httpStatus: 404, view: null, settled: true }, events: [] },
      // stuck: still pending at the end
      { t: tracked(3), o: { httpStatus: 200, view: view(3, 'PENDING', 0), settled: false }, events: [message(3, 1, 1, 'payment.pending', view(3, 'PENDING', 0))], order: order(3, 'PENDING', []) },
      // paid twice: the gateway holds another order than the view
      { t: tracked(4), o: settled(view(4, 'SUCCEEDED', 300)), events: goodEvents(4), order: { ...order(4, 'SUCCESS', [300]), gatewayTransId: 'g-other' } },
      // refunded past the amount upstream
      { t: tracked(5), o: settled(view(5, 'SUCCEEDED', 300)), events: goodEvents(5), order: order(5, 'SUCCESS', [300, 800]) },
      // events: a duplicate and a gap
      { t: tracked(6), o: settled(view(6, 'SUCCEEDED', 300)), events: [...goodEvents(6).slice(0, 2), message(6, 3, 2, 'payment.succeeded', view(6, 'SUCCEEDED', 0)), message(6, 4, 4, 'refund.succeeded', view(6, 'SUCCEEDED', 300))], order: order(6, 'SUCCESS', [300]) },
      // view says SUCCEEDED, the gateway closed the order
      { t: tracked(7), o: settled(view(7, 'SUCCEEDED', 300)), events: goodEvents(7), order: order(7, 'CLOSED', []) },
    ]);
    const by = (c: string) => [...new Set(problems.filter((p) => p.check === c).map((p) => p.paymentId))];
    expect(by('lost')).toEqual(['alipay-cn:m-2']);
    expect(by('stuck')).toEqual(['alipay-cn:m-3']);
    expect(by('paidTwice')).toEqual(['alipay-cn:m-4']);
    expect(by('refundedPastAmount')).toEqual(['alipay-cn:m-5']);
    expect(by('eventsNotExactlyOnce')).toEqual(['alipay-cn:m-6']);
    expect(by('viewGatewayEventsDisagree')).toEqual(expect.arrayContaining(['alipay-cn:m-5', 'alipay-cn:m-7']));
  });
});
