// The published event contract (DESIGN.md section 5): CloudEvents 1.0 structured JSON on NATS
// JetStream. Exported so consumers validate what they read.
import { z } from 'zod';
import { PaymentView } from '../domain/payment-view.js';
import { Product } from '../gateway/wire.js';

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
export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

export const PaymentEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().regex(/^alipay-cn:.+\/\d+$/),
  source: z.literal(EVENT_SOURCE),
  type: z.string().regex(/^alipay_cn\./),
  subject: z.string(),
  time: z.iso.datetime({ offset: true }),
  sequence: z.number().int().positive(),
  datacontenttype: z.literal('application/json'),
  data: PaymentView,
});
export type PaymentEvent = z.infer<typeof PaymentEvent>;

export const subjectFor = (product: Product, type: EventType): string => `${SUBJECT_PREFIX}.${product}.${type}`;
