// The stream, subjects and event types of the contract (DESIGN.md section 5) as plain constants:
// the workflow imports these, so its bundle carries no schema library. events/schema.ts builds the
// consumers' zod schemas on the same names.
import type { Product } from '../gateway/wire.js';

export const STREAM_NAME = 'ALIPAY_CN_PAYMENTS';
export const SUBJECT_PREFIX = 'payments.alipay_cn';
export const EVENT_SOURCE = 'alipay-cn-payments';
/** Covers the publish activity's longest gap between a landed-but-unacknowledged attempt and its retry. */
export const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

export const EVENT_TYPES = [
  'payment.pending',
  'payment.succeeded',
  'payment.failed',
  'payment.expired',
  'payment.cancelled',
  'refund.succeeded',
  'refund.failed',
  'payment.late_success_refunded',
  'payment.amount_mismatch',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const subjectFor = (product: Product, type: EventType): string => `${SUBJECT_PREFIX}.${product}.${type}`;
