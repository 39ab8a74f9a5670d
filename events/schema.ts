// The published event contract (DESIGN.md section 5): CloudEvents 1.0 structured JSON on NATS
// JetStream. Exported so consumers validate what they read.
import { z } from 'zod';
import { PaymentView } from '../domain/payment-view.js';
import { DUPLICATE_WINDOW_MS, EVENT_SOURCE, EVENT_TYPES, STREAM_NAME, SUBJECT_PREFIX, subjectFor } from './names.js';

export { DUPLICATE_WINDOW_MS, EVENT_SOURCE, EVENT_TYPES, STREAM_NAME, SUBJECT_PREFIX, subjectFor };

export const EventType = z.enum(EVENT_TYPES);
export type EventType = z.infer<typeof EventType>;

/** The CloudEvents `type` of each event type, `alipay_cn.<type>`: the same closed list (docs/asyncapi.json). */
export const CLOUD_EVENT_TYPES = EVENT_TYPES.map((t) => `alipay_cn.${t}` as const) as unknown as readonly [`alipay_cn.${EventType}`, ...`alipay_cn.${EventType}`[]];
export const CloudEventType = z.enum(CLOUD_EVENT_TYPES);
export type CloudEventType = z.infer<typeof CloudEventType>;

/** W3C trace context (version-traceId-parentId-flags): the CloudEvents distributed-tracing extension attribute. */
export const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export const PaymentEvent = z.object({
  specversion: z.literal('1.0'),
  id: z.string().regex(/^alipay-cn:.+\/\d+$/),
  source: z.literal(EVENT_SOURCE),
  type: CloudEventType,
  subject: z.string(),
  time: z.iso.datetime({ offset: true }),
  sequence: z.number().int().positive(),
  datacontenttype: z.literal('application/json'),
  data: PaymentView,
  /** The span that published it, when the service traces (README "Traces"); absent otherwise. */
  traceparent: z.string().regex(TRACEPARENT).optional(),
});
export type PaymentEvent = z.infer<typeof PaymentEvent>;

