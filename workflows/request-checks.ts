// Validators of the merchant's refund and cancel updates: they refuse, with the reason the one rule
// gives (machines/request-rules.ts), as a typed ApplicationFailure the API turns into its error
// code. The machine's guards apply the same rules when the request is applied.
import { ApplicationFailure } from '@temporalio/workflow';
import { statusOf, type PaymentSnapshot } from '../machines/index.js';
import { REQUEST_ERRORS, cancelRefusal, refundRefusal, type Refusal } from '../machines/request-rules.js';
import type { RefundRequestArgs } from './messages.js';

const refuse = ({ code, message }: Refusal) => ApplicationFailure.create({ type: code, message, nonRetryable: true });

/** Returns true when this refundId is already known with the same body (answer it again). */
export function checkRefund(snapshot: PaymentSnapshot, args: RefundRequestArgs): boolean {
  const refusal = refundRefusal(snapshot.context, statusOf(snapshot), args);
  if (refusal === 'known') return true;
  if (refusal) throw refuse(refusal);
  return false;
}

/** Returns true when a cancel is already under way (wait for it rather than send another). */
export function checkCancel(snapshot: PaymentSnapshot, now: number): boolean {
  const refusal = cancelRefusal(snapshot.context, statusOf(snapshot), now);
  if (refusal === 'in-flight') return true;
  if (refusal) throw refuse(refusal);
  if (!snapshot.can({ type: 'CANCEL_REQUESTED', at: now })) {
    throw refuse({ code: REQUEST_ERRORS.cancelNotAllowed, message: `the payment cannot be cancelled while ${String(snapshot.value)}; try again shortly` });
  }
  return false;
}
