// The time-skipping test server with a scripted gateway: for tests about the clock (the
// cancellation period, PAYMENT_CODE's policy). Each payment's PAY and DETAIL answers are set by the
// test; CANCELs and DETAILs are recorded, so a test can say what was (or was not) sent upstream.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Activities } from '../../activities/index.js';
import { SETTLEMENTS } from '../../activities/settlements.js';
import { workflowInput, type InputOptions } from '../../api/workflow-input.js';
import { validatePaymentRequest } from '../../domain/payment-request.js';
import type { PaymentView } from '../../domain/payment-view.js';
import type { TransStatus } from '../../gateway/wire.js';
import type { DetailOutcome, PayOutcome, PaymentStatus } from '../../machines/types.js';
import { WORKFLOW_TYPE, notificationSignal, stateQuery } from '../../workflows/messages.js';
import { timeSkippingEnv } from './time-skipping.js';
import { workflowSpanSinks } from '../../worker/worker.js';
import { PAYMENT_CODE_DEFAULTS } from '../../machines/payment-code.js';
import { PAY_CODE, cashierBody, testApiOptions, uniqueId } from './service.js';

export interface Order {
  status: TransStatus;
  paidAt?: number;
  /** DETAIL calls so far. */
  details: number;
}

const AMOUNT = { currency: 'CNY', value: 1000 };

export function scriptedGateway() {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  const taskQueue = uniqueId('scripted');
  const orders = new Map<string, Order>();
  const cancels: string[] = [];
  /** What PAY answers, per product: PENDING (the shopper pays later) unless a test says otherwise. */
  const payStatus: { [product: string]: TransStatus } = {};
  /** DETAIL stops answering (throws) while true: the window, not the count, must end the wait. */
  let detailDown = false;

  const order = (id: string) => orders.get(id) ?? orders.set(id, { status: 'PENDING', details: 0 }).get(id)!;
  const activities: Activities = {
    pay: async ({ request }): Promise<PayOutcome> => {
      const o = order(request.merchantTransId);
      o.status = payStatus[request.product] ?? 'PENDING';
      return { outcome: 'ACCEPTED', gatewayTransId: `g-${request.merchantTransId}`, status: o.status, settlement: SETTLEMENTS[o.status], payAction: null };
    },
    detail: async (merchantTransId): Promise<DetailOutcome> => {
      const o = order(merchantTransId);
      o.details += 1;
      if (detailDown) throw new Error('DETAIL: connection reset');
      const paidAt = o.paidAt === undefined ? {} : { paidAt: o.paidAt };
      return { found: true, gatewayTransId: `g-${merchantTransId}`, status: o.status, settlement: SETTLEMENTS[o.status], amount: AMOUNT, payAction: null, ...paidAt };
    },
    cancel: async (merchantTransId) => {
      cancels.push(merchantTransId);
      order(merchantTransId).status = order(merchantTransId).status === 'SUCCESS' ? 'CANCELLED' : 'CLOSED';
      return { ok: true, status: order(merchantTransId).status };
    },
    refund: async ({ refundId }) => ({ refundId, status: 'SUCCESS', gatewayRefundId: `g-${refundId}` }),
    refundDetail: async () => null,
    publishEvent: async () => ({ duplicate: false, seq: 1 }),
    publishEventNow: async () => ({ duplicate: false, seq: 1 }),
  };

  beforeAll(async () => {
    env = await timeSkippingEnv();
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: workflowSpanSinks(), activities });
    running = worker.run();
  });
  afterAll(async () => {
    worker?.shutdown();
    await running;
    await env?.teardown();
  });

  /** The service's test settings, with hourly polls at most (days pass in these tests) and PAYMENT_CODE's defaults. */
  const settings = (timeZone: string, overrides: Partial<InputOptions> = {}): InputOptions => ({
    ...testApiOptions({ timeZone, pollInitialMs: 10_000, pollMaxMs: 3_600_000, graceMs: 3_600_000, paymentCode: PAYMENT_CODE_DEFAULTS }),
    ...overrides,
  });

  return {
    cancels,
    orders,
    order,
    now: () => env.currentTimeMs(),
    /** Moves the test server's clock forward to `ms` (it never goes back). */
    async skipTo(ms: number) {
      const now = await env.currentTimeMs();
      if (ms < now) throw new Error(`cannot skip back ${now - ms} ms`);
      await env.sleep(ms - now);
    },
    payAnswers(product: string, status: TransStatus) {
      payStatus[product] = status;
    },
    detailDown(down: boolean) {
      detailDown = down;
    },
    /** Starts a payment now; `expiresInMs` is the merchant's expireAt, from now. */
    async start(product: 'CASHIER_PAYMENT' | 'PAYMENT_CODE', timeZone: string, opts: { expiresInMs?: number; overrides?: Partial<InputOptions> } = {}) {
      const at = await env.currentTimeMs();
      const body = product === 'PAYMENT_CODE' ? cashierBody(uniqueId('pc'), { product, payCodeValue: PAY_CODE }) : cashierBody(uniqueId('cp'));
      const checked = validatePaymentRequest(body, at, timeZone);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      const expiresAt = opts.expiresInMs === undefined ? null : at + opts.expiresInMs;
      const input = workflowInput(checked.value, { ...settings(timeZone, opts.overrides), at, expiresAt });
      const handle = await env.client.workflow.start(WORKFLOW_TYPE, { workflowId: input.machine.paymentId, taskQueue, args: [input] });
      return { handle, merchantTransId: input.machine.merchantTransId };
    },
    /** The gateway's success notification, paid now (its paidAt). */
    async notifyPaid(workflowId: string, merchantTransId: string) {
      const paidAt = await env.currentTimeMs();
      Object.assign(order(merchantTransId), { status: 'SUCCESS', paidAt });
      const h = env.client.workflow.getHandle(workflowId);
      await h.signal(notificationSignal, {
        notifyId: uniqueId('n'),
        notifyType: 'PAYMENT_RESULT',
        merchantTransId,
        gatewayTransId: `g-${merchantTransId}`,
        product: 'CASHIER_PAYMENT',
        status: 'SUCCESS',
        amount: AMOUNT,
        paidAt: new Date(paidAt).toISOString(),
      });
    },
    /** Queries until the view passes `test` (the workflow applies signals and timers on its own turn). */
    async until(workflowId: string, test: PaymentStatus | ((view: PaymentView) => boolean)) {
      const passes = typeof test === 'string' ? (v: PaymentView) => v.status === test : test;
      const h = env.client.workflow.getHandle(workflowId);
      for (let i = 0; ; i++) {
        const view = await h.query(stateQuery);
        if (passes(view)) return view;
        if (i > 200) throw new Error(`${workflowId} never got there: ${JSON.stringify(view)}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  };
}
