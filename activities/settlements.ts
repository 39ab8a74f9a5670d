// What the gateway's order status means for the payment: the one translation of PAY and DETAIL
// answers into the plain outcomes the machines' guards read. Plain data: the workflow imports it
// too, to read answers recorded before 0.6 (which carry only the gateway's status) the same way.
import type { TransStatus } from '../gateway/wire.js';
import type { Settlement } from '../machines/types.js';

/** Exhaustive: a status the gateway adds does not compile until it is given a meaning here. */
export const SETTLEMENTS: Record<TransStatus, Settlement> = {
  PENDING: 'WAITING', // the shopper has not paid yet
  SUCCESS: 'PAID',
  FAIL: 'FAILED',
  CLOSED: 'CLOSED', // expired or closed unpaid
  CANCELLED: 'REVERSED', // paid, then cancelled (reversed) in full
};

/** The answer with its settlement: as the activity gave it, or read from the status of an older one. */
export function withSettlement<A extends { status: TransStatus; settlement?: Settlement }>(answer: A): A & { settlement: Settlement } {
  return { ...answer, settlement: answer.settlement ?? SETTLEMENTS[answer.status] };
}

/** The gateway's paidAt (ISO 8601 with a zone) as epoch ms; absent or unreadable: undefined. */
export function paidAtFrom(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
