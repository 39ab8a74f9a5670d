// The machines' timers: each is an event a state may listen for, due at an absolute moment kept in
// the context. The interpreter arms the earliest one the current state can take (`snapshot.can`);
// it knows no rule of its own about when a payment polls, expires or stops being cancellable.
import { cancelPeriodEnd } from './request-rules.js';
import type { PaymentContext, PaymentEvent } from './types.js';

export interface MachineTimer {
  type: 'EXPIRY_DUE' | 'POLL_DUE' | 'CANCEL_WINDOW_CLOSED' | 'REFUND_POLL_DUE';
  /** When it is due, or null when it is not scheduled. */
  dueAt: (context: PaymentContext) => number | null;
  /** What the timer waits for, as the Temporal UI shows it. */
  summary: string;
}

/** In the order they fire when due at the same moment. */
export const TIMERS: readonly MachineTimer[] = [
  { type: 'EXPIRY_DUE', dueAt: (c) => c.expiresAt, summary: 'expiry: the shopper has not paid by expireAt' },
  { type: 'POLL_DUE', dueAt: (c) => c.nextPollAt, summary: 'next DETAIL poll: has the shopper paid?' },
  // The cancellation period ends after its last millisecond.
  { type: 'CANCEL_WINDOW_CLOSED', dueAt: (c) => cancelPeriodEnd(c) + 1, summary: 'end of the cancellation period (23:59:59 of the paid date)' },
  { type: 'REFUND_POLL_DUE', dueAt: (c) => c.nextRefundPollAt, summary: 'next REFUND DETAIL: have the pending refunds settled?' },
];

export const timerEvent = (type: MachineTimer['type'], at: number): PaymentEvent => ({ type, at });
