// The payment workflow: a thin interpreter of the product's XState machine. It feeds events in
// with the pure transition(), performs the returned effects itself (activities, events,
// search attributes) and arms Temporal timers from the absolute deadlines in the machine's
// context (DESIGN.md section 7: no XState timers or actors in the workflow sandbox).
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialTransition, transition } from 'xstate';
import type { Activities } from '../activities/index.js';
import { paidAtFrom, withSettlement } from '../activities/settlements.js';
import { EVENT_SOURCE, subjectFor } from '../events/names.js';
import type { PaymentEvent as PublishedEvent } from '../events/schema.js';
import { isFinal, machineFor, statusOf, type PaymentEvent, type PaymentSnapshot } from '../machines/index.js';
import { TIMERS, timerEvent } from '../machines/timers.js';
import type { EffectParams, PayOutcome } from '../machines/types.js';
import {
  IDEMPOTENCY_CONFLICT,
  REQUEST_ERRORS,
  cancelUpdate,
  notificationSignal,
  refundUpdate,
  payUpdate,
  searchAttributes,
  stateQuery,
  type CancelRequestArgs,
  type PaymentWorkflowInput,
  type ResumedState,
} from './messages.js';
import { checkCancel, checkRefund } from './request-checks.js';
import { currentDetails, detailSummary, publishSummary } from './ui-metadata.js';
import { paymentView, stateName } from './view.js';
import { formatMoney } from '../domain/money-format.js';

/** Continue as new past this many history events (Temporal warns at 10k and stops at 50k). */
const HISTORY_LIMIT = 10_000;

/**
 * Transport failures and unknown outcomes are retried without limit (the gateway heals); a
 * rejection (4xx) never is: each activity turns it into an answer, or the interpreter asks again
 * on the poll schedule (DETAIL).
 */
const retryForever = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: ['GatewayRejectedError'] };

/** 0.4: events go through an outbox that never blocks the payment; earlier histories replay as they ran. */
const V04 = 'v0.4-publish-outbox';
/**
 * 0.5: PAY and the first attempt of each publish run as local activities (one marker event in the
 * workflow task that asked for them, no round trip through the task queue), and the start's search
 * attributes are not set again. A publish that fails locally falls back to the durable activity.
 */
const V05 = 'v0.5-local-first';

/** Only "unreachable" reaches the retry policy; unknown outcomes come back as values. */
const payRetry = { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 5 };
const { pay: payDurably } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: payRetry });
const { pay: payLocally } = proxyLocalActivities<Activities>({ startToCloseTimeout: '30s', retry: payRetry });
/** One quick try in the worker; anything else is the durable activity's job. */
const { publishEventNow: publishLocally } = proxyLocalActivities<Activities>({ startToCloseTimeout: '5s', retry: { maximumAttempts: 1 } });
const { detail, cancel } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: retryForever });
const { detail: pollDetail } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumAttempts: 2, nonRetryableErrorTypes: ['GatewayRejectedError'] },
});
const { refund, refundDetail } = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: retryForever });
const { publishEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '10s',
  retry: retryForever,
});

/**
 * Why an activity failed, or null when `err` is no activity's failure (a bug, or cancellation).
 * A durable activity fails as ActivityFailure around the cause; a local one as the failure itself.
 */
function activityFailed(err: unknown): string | null {
  if (err instanceof ActivityFailure) return err.cause?.message ?? err.message;
  if (err instanceof TemporalFailure && !isCancellation(err)) return err.message;
  return null;
}

export async function alipayCnPayment(input: PaymentWorkflowInput): Promise<void> {
  const machine = machineFor(input.machine.product);
  const internal: PaymentEvent[] = [];
  /** Messages from outside, in arrival order; `applied` runs once the machine has taken the event. */
  const inbox: { event: PaymentEvent; applied?: (took: boolean) => void }[] = [];
  /** Resolves once the machine has taken the event: true when it changed the payment. */
  const submit = (event: PaymentEvent) => new Promise<boolean>((applied) => inbox.push({ event, applied }));
  const resume = input.resume;
  // Newest first: a payment started by 0.5 or later records one patch marker, not one per release.
  const v05 = patched(V05);
  const v04 = v05 || patched(V04);
  const pay = v05 ? payLocally : payDurably;
  let [snapshot, pending] = resume
    ? [machine.resolveState({ value: resume.value, context: resume.context }) as PaymentSnapshot, []]
    : initialTransition(machine, input.machine);
  /** Events waiting to be published, oldest first; one publisher drains them in order. */
  const outbox: { subject: string; event: PublishedEvent }[] = [];
  let draining = false;
  const allPublished = () => outbox.length === 0 && !draining;
  /** Nothing left to finish before the run ends (or continues as new), or a message to apply first. */
  const quietOrMessage = () => inbox.length > 0 || (allHandlersFinished() && allPublished());
  let sequence = resume?.sequence ?? 0;
  let answeredPay = resume?.answeredPay ?? false;
  let finalAt: number | null = resume?.finalAt ?? null;
  /** What the search attributes say now: since 0.5, what the start request set (api/workflow-input.ts). */
  let indexed = { status: v05 && !resume ? 'CREATED' : '', gatewayTransId: '' };

  /**
   * The view of the snapshot now. A transition asks for it twice (the UI's current details, then
   * the event it publishes), so it is kept until the snapshot or the workflow's clock moves.
   */
  let lastView: { of: PaymentSnapshot; at: number; view: ReturnType<typeof paymentView> } | null = null;
  const view = () => {
    const at = Date.now();
    if (lastView?.of !== snapshot || lastView.at !== at) lastView = { of: snapshot, at, view: paymentView(snapshot, input, at) };
    return lastView.view;
  };

  setHandler(stateQuery, view, { description: 'The payment view: what GET /v1/payments/{paymentId} answers' });
  setHandler(notificationSignal, (n) => {
    const at = Date.now();
    if (n.notifyType === 'REFUND_RESULT') {
      const r = snapshot.context.refunds.find((x) => x.upstreamId === n.refundRequestId);
      if (r) inbox.push({ event: { type: 'REFUND_ANSWERED', at, refundId: r.refundId, status: n.status, gatewayRefundId: n.gatewayRefundId } });
    } else {
      const paidAt = paidAtFrom(n.paidAt);
      const facts = { notifyId: n.notifyId, product: n.product, status: n.status, gatewayTransId: n.gatewayTransId, amount: n.amount };
      inbox.push({ event: { type: 'NOTIFIED', at, ...facts, ...(paidAt !== undefined ? { paidAt } : {}) } });
    }
  }, { description: "The gateway's verified NOTIFICATION (PAYMENT_RESULT or REFUND_RESULT), from the webhook" });
  setHandler(
    refundUpdate,
    async (args) => {
      const known = snapshot.context.refunds.find((r) => r.refundId === args.refundId);
      if (known) return { created: false, refund: known };
      const took = await submit({ type: 'REFUND_REQUESTED', at: Date.now(), ...args });
      const refund = snapshot.context.refunds.find((r) => r.refundId === args.refundId);
      if (took && refund) return { created: true, refund };
      // Validated against an earlier snapshot, refused by the machine: another request came first.
      // The same refund asked twice at once is answered once as created, then as known.
      if (checkRefund(snapshot, args) && refund) return { created: false, refund };
      throw ApplicationFailure.create({ type: REQUEST_ERRORS.notRefundable, nonRetryable: true, message: 'the refund could not be applied to the payment as it is now; read the payment and try again' });
    },
    { validator: (args) => void checkRefund(snapshot, args), description: 'A merchant refund (POST /v1/payments/{paymentId}/refunds): partial, never past the paid amount' },
  );
  setHandler(
    cancelUpdate,
    // Requests recorded before 0.4 carry no argument.
    async (args?: CancelRequestArgs) => {
      // The validator has checked the request; a cancel already under way is waited for, not sent again.
      if (!snapshot.context.cancelInFlight) {
        const took = await submit({ type: 'CANCEL_REQUESTED', at: Date.now(), requestedBy: args?.requestedBy ?? null });
        // Refused by the machine: the payment changed since validation; say why (or wait for the cancel that came first).
        if (!took && statusOf(snapshot) !== 'CANCELLED') checkCancel(snapshot, Date.now());
      }
      await condition(() => !snapshot.context.cancelInFlight);
      const refusal = snapshot.context.cancelRefusal;
      if (statusOf(snapshot) !== 'CANCELLED') {
        throw ApplicationFailure.create({
          type: REQUEST_ERRORS.cancelRefused,
          nonRetryable: true,
          message: `the gateway refused the cancellation${refusal ? `: ${refusal.code} ${refusal.message}` : ''}`,
        });
      }
      return view();
    },
    {
      validator: (_args?: CancelRequestArgs) => void checkCancel(snapshot, Date.now()),
      description: 'A merchant cancel (POST /v1/payments/{paymentId}/cancel): closes a pending order or reverses a paid one within its date',
    },
  );
  setHandler(
    payUpdate,
    async () => {
      // Early return: answer as soon as PAY has answered (payAction known) or the outcome is pending/final.
      await condition(() => statusOf(snapshot) !== 'CREATED');
      const created = !answeredPay;
      answeredPay = true;
      return { created, view: view() };
    },
    {
      validator: ({ fingerprint }) => {
        if (fingerprint !== input.fingerprint) {
          throw ApplicationFailure.create({
            type: IDEMPOTENCY_CONFLICT,
            nonRetryable: true,
            message: `merchantTransId ${input.machine.merchantTransId} was already used for a payment with a different body`,
          });
        }
      },
      description: 'The start of POST /v1/payments: answers once PAY has (the payAction), or at once when repeated',
    },
  );

  async function perform(actions: typeof pending): Promise<void> {
    for (const action of actions) {
      switch (action.type) {
        case 'callPay':
          internal.push({ type: 'PAY_ANSWERED', ...settledPay(await callPay()), at: Date.now() });
          break;
        case 'callDetail': {
          const { purpose } = action.params as EffectParams['callDetail'];
          const outcome = await callDetail(purpose);
          if (outcome) internal.push({ type: 'DETAIL_ANSWERED', ...(outcome.found ? withSettlement(outcome) : outcome), at: Date.now() });
          break;
        }
        case 'callCancel':
          internal.push({ type: 'CANCEL_ANSWERED', ...(await cancel.executeWithOptions({ summary: cancelSummary() }, [input.machine.merchantTransId])), at: Date.now() });
          break;
        case 'callRefund': {
          const { refundId } = action.params as EffectParams['callRefund'];
          const r = snapshot.context.refunds.find((x) => x.refundId === refundId)!;
          const outcome = await refund.executeWithOptions({ summary: `REFUND ${refundId}: ${formatMoney(r.amount)}` }, [
            { merchantTransId: input.machine.merchantTransId, refundId, upstreamId: r.upstreamId, amount: r.amount, reason: r.reason },
          ]);
          internal.push({ type: 'REFUND_ANSWERED', ...outcome, at: Date.now() });
          break;
        }
        case 'callRefundDetail':
          for (const r of snapshot.context.refunds.filter((x) => x.status === 'PENDING')) {
            const outcome = await refundDetail.executeWithOptions({ summary: `REFUND DETAIL ${r.refundId}: has it settled?` }, [{ refundId: r.refundId, upstreamId: r.upstreamId }]);
            if (outcome) internal.push({ type: 'REFUND_ANSWERED', ...outcome, at: Date.now() });
          }
          break;
        case 'publish':
          await publish((action.params as EffectParams['publish']).type);
          break;
        default:
          throw new Error(`the interpreter has no effect named ${action.type}`);
      }
    }
  }

  /** PAY answers recorded before 0.6 carry only the gateway's status: read it the same way. */
  const settledPay = (o: PayOutcome): PayOutcome => (o.outcome === 'ACCEPTED' ? withSettlement(o) : o);

  /** Which CANCEL this is, for the Temporal UI: the merchant's, the close at expiry, or the reversal. */
  function cancelSummary(): string {
    const state = stateName(snapshot);
    if (state === 'closing') return 'CANCEL: close the unpaid order at its expiry';
    if (state === 'reversing') return 'CANCEL: reverse, the shopper did not confirm in time';
    return `CANCEL: asked by the merchant${snapshot.context.cancelRequestedBy ? ` (${snapshot.context.cancelRequestedBy})` : ''}`;
  }

  async function callPay() {
    if (!input.request) throw new Error(`${input.machine.product} payments have no PAY request`);
    try {
      return await pay.executeWithOptions({ summary: 'PAY: open the order upstream' }, [{ request: input.request, gatewayExpireAt: input.gatewayExpireAt }]);
    } catch (err) {
      const failed = activityFailed(err);
      if (failed === null) throw err;
      return { outcome: 'UNREACHABLE' as const, message: failed };
    }
  }

  async function callDetail(purpose: EffectParams['callDetail']['purpose']) {
    if (purpose !== 'poll') return detailUntilAnswered(purpose);
    try {
      return await pollDetail.executeWithOptions({ summary: detailSummary(purpose) }, [input.machine.merchantTransId, purpose]);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.warn('DETAIL poll failed; the next poll or the expiry check will ask again', { error: err.message });
      return null;
    }
  }

  async function publish(type: EffectParams['publish']['type']): Promise<void> {
    sequence += 1;
    const paymentId = input.machine.paymentId;
    const subject = subjectFor(input.machine.product, type);
    const event: PublishedEvent = {
      specversion: '1.0',
      id: `${paymentId}/${sequence}`,
      source: EVENT_SOURCE,
      type: `alipay_cn.${type}`,
      subject: paymentId,
      time: new Date(Date.now()).toISOString(),
      sequence,
      datacontenttype: 'application/json',
      data: view(),
    };
    if (!v04) return void (await publishEvent.executeWithOptions({ summary: publishSummary(event) }, [subject, event]));
    // The sequence is fixed now; publishing waits its turn without holding up the payment.
    outbox.push({ subject, event });
    void drainOutbox();
  }

  async function drainOutbox(): Promise<void> {
    if (draining) return;
    draining = true;
    try {
      while (outbox.length > 0) {
        await publishOnce(outbox[0].subject, outbox[0].event);
        outbox.shift();
      }
    } finally {
      draining = false;
    }
  }

  /** Locally first (0.5), durably when that fails: either way the stream keeps one copy (Nats-Msg-Id). */
  async function publishOnce(subject: string, event: PublishedEvent): Promise<void> {
    if (v05) {
      try {
        return void (await publishLocally.executeWithOptions({ summary: publishSummary(event) }, [subject, event]));
      } catch (err) {
        const failed = activityFailed(err);
        if (failed === null) throw err;
        log.warn('publishing from the worker failed; handing the event to the durable activity', { id: event.id, error: failed });
      }
    }
    await publishEvent.executeWithOptions({ summary: publishSummary(event) }, [subject, event]);
  }

  /** DETAIL that the gateway refuses (4xx) is an unknown answer: asked again on the poll schedule. */
  async function detailUntilAnswered(purpose: EffectParams['callDetail']['purpose']) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await detail.executeWithOptions({ summary: detailSummary(purpose) }, [input.machine.merchantTransId, purpose]);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const wait = Math.min(input.machine.pollMaxMs, input.machine.pollInitialMs * 2 ** Math.min(attempt, 20));
        log.warn('DETAIL refused by the gateway; asking again on the poll schedule', { purpose, attempt, waitMs: wait, error: err.cause?.message ?? err.message });
        await sleep(wait, { summary: `DETAIL (${purpose}) refused by the gateway: ask again` });
      }
    }
  }

  /** Shows the snapshot outside: the search attributes, and the Temporal UI's current details. */
  function reflect(): void {
    index();
    setCurrentDetails(currentDetails(snapshot, view()));
  }

  function index(): void {
    const status = statusOf(snapshot);
    const gatewayTransId = snapshot.context.gatewayTransId ?? '';
    if (status === indexed.status && gatewayTransId === indexed.gatewayTransId) return;
    upsertSearchAttributes([
      { key: searchAttributes.status, value: status },
      ...(gatewayTransId ? [{ key: searchAttributes.gatewayTransId, value: gatewayTransId }] : []),
    ]);
    indexed = { status, gatewayTransId };
  }

  async function dispatch(event: PaymentEvent, applied?: (took: boolean) => void): Promise<void> {
    const [next, actions] = transition(machine, snapshot, event);
    if (next === snapshot) return applied?.(false); // ignored: duplicates and late answers change nothing
    const before = statusOf(snapshot);
    snapshot = next;
    if (isFinal(snapshot) && (finalAt === null || statusOf(snapshot) !== before)) finalAt = event.at;
    reflect();
    applied?.(true);
    await perform(actions);
  }

  /**
   * The next timer: the earliest machine timer the current state can take (machines/timers.ts),
   * or the end of the run once the payment is final (kept open for refunds, or a grace period).
   */
  function nextTimer(s: PaymentSnapshot): { at: number; summary: string; fire: () => PaymentEvent | 'close' } | null {
    const c = s.context;
    const candidates: { at: number; summary: string; fire: () => PaymentEvent | 'close' }[] = [];
    for (const { type, dueAt, summary } of TIMERS) {
      const at = dueAt(c);
      if (at !== null && s.can(timerEvent(type, at))) candidates.push({ at, summary, fire: () => timerEvent(type, Date.now()) });
    }
    if (finalAt !== null) {
      const succeeded = statusOf(s) === 'SUCCEEDED';
      const keepOpen = succeeded ? input.lifetime.refundWindowMs : input.lifetime.graceMs;
      const summary = succeeded ? 'close the run: the refund window is over' : 'close the run: the grace period for late results is over';
      candidates.push({ at: finalAt + keepOpen, summary, fire: () => 'close' });
    }
    return candidates.sort((a, b) => a.at - b.at)[0] ?? null;
  }

  reflect();
  await perform(pending);
  for (;;) {
    const next = internal.shift();
    if (next) {
      await dispatch(next);
      continue;
    }
    const message = inbox.shift();
    if (message) {
      await dispatch(message.event, message.applied);
      continue;
    }
    if (workflowInfo().historyLength > (input.lifetime.historyLimit ?? HISTORY_LIMIT) || workflowInfo().continueAsNewSuggested) {
      // Hand the state to a fresh run before the history grows large; no request is cut short.
      // A request that arrives meanwhile waits for the loop to apply it, so the loop goes on.
      await condition(quietOrMessage);
      if (inbox.length === 0) {
        const carried: ResumedState = { value: stateName(snapshot), context: snapshot.context, sequence, answeredPay, finalAt };
        await continueAsNew<typeof alipayCnPayment>({ ...input, resume: carried });
      }
      continue;
    }
    const timer = nextTimer(snapshot);
    if (!timer) {
      await condition(() => inbox.length > 0);
      continue;
    }
    const wait = timer.at - Date.now();
    if (wait > 0 && (await condition(() => inbox.length > 0, wait, { summary: timer.summary }))) continue;
    const fired = timer.fire();
    if (fired === 'close') {
      await condition(quietOrMessage);
      if (inbox.length === 0) break;
      continue;
    }
    await dispatch(fired);
  }
}
