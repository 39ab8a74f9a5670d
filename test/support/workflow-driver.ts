// Drives the real payment workflow along a path of machine events on the time-skipping test
// server: gateway answers come from scripted stub activities (each answer handed out only when
// the workflow is in the state the path expects), notifications are sent as signals, and timers
// (polls, expiry, the grace period) fire when the server skips time.
import type { Client } from '@temporalio/client';
import { initialTransition, transition } from 'xstate';
import type { Activities } from '../../activities/index.js';
import { machineFor, type PaymentEvent, type PaymentSnapshot } from '../../machines/index.js';
import { lateRefundId } from '../../machines/shared.js';
import type { EffectParams, PaymentContext } from '../../machines/types.js';
import { stateName } from '../../workflows/view.js';
import { cancelUpdate, notificationSignal, refundUpdate, stateQuery, type PaymentWorkflowInput } from '../../workflows/messages.js';

export interface PathRun {
  /** The states the pure machine passes through, and the events it publishes. */
  expectedStates: string[];
  expectedPublished: string[];
  published: string[];
  activities: Activities;
  /** Sends the path's outside events (notifications as signals, merchant cancels and refunds as updates), each once the workflow waits in its source state. */
  sendOutsideEvents(): Promise<void>;
  unused(): PaymentEvent[];
}

type Step = { event: PaymentEvent; source: string };

/** Events that come from outside the workflow rather than from its own activities and timers. */
const OUTSIDE: PaymentEvent['type'][] = ['NOTIFIED', 'CANCEL_REQUESTED', 'REFUND_REQUESTED'];

/** The states each kind of DETAIL call is made from (the activity's `purpose` argument). */
const DETAIL_ASKED_FROM: Record<EffectParams['callDetail']['purpose'], string[]> = {
  reconcile: ['reconciling'],
  poll: ['awaitingShopper', 'confirming'],
  expiry: ['expiring', 'verifying'],
  late: ['expired', 'cancelled'],
  confirm: ['verifyingNotification'],
};

/**
 * `skip` advances the server's clock (time-skipping env.sleep): a path may send an event in a
 * state the workflow reaches only when a timer fires (e.g. a late notification after expiry).
 */
export function planPath(client: Client, input: PaymentWorkflowInput, events: PaymentEvent[], skip: (ms: number) => Promise<void>): PathRun {
  // Sample answers for the late refund name the sample payment's refund id: use this payment's.
  const lateId = lateRefundId(input.machine as PaymentContext);
  events = events.map((e) => (e.type === 'REFUND_ANSWERED' && e.refundId.startsWith('late-') ? { ...e, refundId: lateId } : e));
  const machine = machineFor(input.machine.product);
  let [snapshot, actions] = initialTransition(machine, input.machine) as [PaymentSnapshot, { type: string; params?: unknown }[]];
  const expectedStates = [stateName(snapshot)];
  const expectedPublished = publishedBy(actions);
  const steps: Step[] = [];
  for (const event of events) {
    const source = stateName(snapshot);
    [snapshot, actions] = transition(machine, snapshot, event) as [PaymentSnapshot, { type: string; params?: unknown }[]];
    steps.push({ event, source });
    expectedStates.push(stateName(snapshot));
    expectedPublished.push(...publishedBy(actions));
  }
  const pending = [...steps];
  const published: string[] = [];

  /** The next scripted answer of this type for a call made from one of `states`, if any. */
  function take<T extends PaymentEvent['type']>(type: T, states: string[]): Extract<PaymentEvent, { type: T }> | null {
    const i = pending.findIndex((s) => s.event.type === type && states.includes(s.source));
    if (i < 0 || pending.slice(0, i).some((s) => s.event.type === type)) return null;
    return pending.splice(i, 1)[0].event as Extract<PaymentEvent, { type: T }>;
  }
  const strip = <E extends { type: string; at: number }>({ type: _t, at: _a, ...rest }: E) => rest;

  const activities: Activities = {
    async pay() {
      const e = take('PAY_ANSWERED', ['creating']);
      if (!e) throw new Error('PAY called where the path has no PAY answer');
      return strip(e) as never;
    },
    async detail(_id, purpose) {
      const e = take('DETAIL_ANSWERED', DETAIL_ASKED_FROM[purpose ?? 'poll']);
      // Unscripted polls see an order still waiting for the shopper: they change nothing.
      return e ? (strip(e) as never) : { found: true, status: 'PENDING', settlement: 'WAITING', gatewayTransId: 'g-path', amount: input.machine.amount, payAction: null };
    },
    async cancel() {
      const e = take('CANCEL_ANSWERED', ['closing', 'reversing', 'cancelling', 'succeeded']);
      if (!e) throw new Error('CANCEL called where the path has no CANCEL answer');
      return strip(e) as never;
    },
    async refund() {
      const e = take('REFUND_ANSWERED', ['succeeded', 'expired', 'cancelled']);
      if (!e) throw new Error('REFUND called where the path has no REFUND answer');
      return strip(e) as never;
    },
    async refundDetail() {
      const e = take('REFUND_ANSWERED', ['succeeded', 'expired', 'cancelled']);
      return e ? (strip(e) as never) : null;
    },
    async publishEvent(_subject, event) {
      published.push(event.type.replace('alipay_cn.', ''));
      return { duplicate: false, seq: published.length };
    },
    publishEventNow: (subject, event) => activities.publishEvent(subject, event),
  };

  return {
    expectedStates,
    expectedPublished,
    published,
    activities,
    unused: () => pending.map((s) => s.event).filter((e) => e.type !== 'POLL_DUE' && e.type !== 'EXPIRY_DUE' && e.type !== 'REFUND_POLL_DUE' && e.type !== 'CANCEL_WINDOW_CLOSED'),
    async sendOutsideEvents() {
      const handle = client.workflow.getHandle(input.machine.paymentId);
      for (const step of steps.filter((s) => OUTSIDE.includes(s.event.type))) {
        // Wait for the workflow to reach the state the path sends this event in.
        for (let i = 0; (await handle.query(stateQuery)).machineState !== step.source; i++) {
          if (i > 400) throw new Error(`workflow never reached ${step.source} for ${step.event.type}`);
          // A moment of real time for activities to answer; then let the server's timers fire.
          if (i < 40) await new Promise((r) => setTimeout(r, 25));
          else await skip(60_000);
        }
        const e = step.event;
        if (e.type === 'NOTIFIED') {
          await handle.signal(notificationSignal, {
            notifyId: e.notifyId,
            notifyType: 'PAYMENT_RESULT',
            merchantTransId: input.machine.merchantTransId,
            gatewayTransId: e.gatewayTransId,
            product: e.product ?? input.machine.product,
            status: e.status,
            amount: e.amount,
          });
        } else if (e.type === 'CANCEL_REQUESTED') {
          await handle.executeUpdate(cancelUpdate, { args: [{ requestedBy: 'test' }] }).catch(() => undefined); // a refused cancel is a path too
        } else if (e.type === 'REFUND_REQUESTED') {
          await handle.executeUpdate(refundUpdate, { args: [{ refundId: e.refundId, amount: e.amount, reason: e.reason }] });
        }
        pending.splice(pending.indexOf(step), 1);
      }
    },
  };
}

function publishedBy(actions: { type: string; params?: unknown }[]): string[] {
  return actions.filter((a) => a.type === 'publish').map((a) => (a.params as { type: string }).type);
}
