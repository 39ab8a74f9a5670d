// The event stream as an AsyncAPI 3.0 document (issue 10 part 2, DESIGN.md sections 5 and 8), served
// at GET /asyncapi.json and committed as docs/asyncapi.json (`npm run docs`).
//
// One channel, the subject pattern payments.alipay_cn.{product}.{type} (events/names.ts), with one
// message per event type. The payload is the CloudEvents envelope, its JSON Schema generated with
// z.toJSONSchema from the zod schema consumers validate with (events/schema.ts PaymentEvent; `type`
// is the closed list of event types), as zod reads it (io "input": fields added later are ignored,
// as PaymentEvent.parse ignores them), in JSON Schema draft-07 (what AsyncAPI schemas build on).
// test/api-documents.test.ts validates it against the AsyncAPI 3.0.0 JSON Schema (@asyncapi/specs)
// and checks that docs/asyncapi.json is current.
import type { ZodType } from 'zod';
import { exampleSucceededView, exampleView, EXAMPLE_REFUND } from '../domain/example-views.js';
import { PaymentView } from '../domain/payment-view.js';
import { PAYMENT_VIEW_META, VIEW_COMPONENTS, SERVICE_VERSION, SHARED_META, zodComponents, type Json, type SchemaMeta } from '../domain/schema-docs.js';
import { PRODUCTS } from '../gateway/wire.js';
import { CloudEventType, DUPLICATE_WINDOW_MS, EVENT_SOURCE, EVENT_TYPES, EventType, PaymentEvent, STREAM_NAME, SUBJECT_PREFIX, subjectFor, TRACEPARENT } from './schema.js';
import { DEFAULT_EVENTS_MAX_AGE_DAYS } from './stream.js';

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  id: string;
  info: Json & { title: string; version: string };
  defaultContentType: string;
  servers: Record<string, Json>;
  channels: Record<string, Json>;
  operations: Record<string, Json>;
  components: { schemas: Record<string, Json>; messages: Record<string, Json>; securitySchemes: Record<string, Json> };
}

/** The channel of every event: its address is the subject pattern. */
export const CHANNEL_ID = 'paymentEvents';
export const CHANNEL_ADDRESS = `${SUBJECT_PREFIX}.{product}.{type}`;
/** The message content type the publisher sets (activities/publish-activities.ts). */
const CONTENT_TYPE = 'application/cloudevents+json';

/** What each event type says, for the messages' summaries. */
const MEANING: Record<EventType, string> = {
  'payment.pending': 'The payment waits for the shopper (or for its outcome); its payAction, if it has one, is known: show the QR code or redirect.',
  'payment.succeeded': 'The money was taken.',
  'payment.failed': "The payment failed (the gateway refused it, or the shopper's payment failed): `data.failure` says why.",
  'payment.expired': 'Unpaid at its expiry: the order is closed.',
  'payment.cancelled': 'Cancelled: closed before the shopper paid, or reversed after.',
  'refund.succeeded': 'A refund settled and the money went back (`data.refunds`, `data.refundedAmount`).',
  'refund.failed': 'A refund failed at the gateway (`data.refunds[].failure`).',
  'payment.late_success_refunded':
    'The gateway took the money after the payment had ended (EXPIRED or CANCELLED): the service refunded it in full at once; refund.succeeded follows.',
  'payment.amount_mismatch': 'A success notification for another amount or currency: not trusted, the payment is not marked paid, and `data.flags` lists it for review.',
};

const envelope = PaymentEvent.shape;
const EVENT_META: [ZodType, SchemaMeta][] = [
  ...SHARED_META,
  ...PAYMENT_VIEW_META,
  [PaymentEvent, { description: 'A CloudEvents 1.0 event in structured JSON: the envelope, and the payment view as `data`. Validate it with PaymentEvent from events/schema.ts.' }],
  [envelope.specversion, { description: 'CloudEvents 1.0.' }],
  [
    envelope.id,
    {
      description:
        '`<paymentId>/<sequence>`: unique per event, and the NATS message id (Nats-Msg-Id), so the stream drops a republished copy within its duplicate window. A consumer deduplicates on it.',
      examples: ['alipay-cn:order-1001/2'],
    },
  ],
  [envelope.source, { description: 'Always alipay-cn-payments.' }],
  [CloudEventType, { description: '`alipay_cn.<event type>`: the closed list of event types (the subject ends with the same event type).' }],
  [envelope.subject, { description: 'The paymentId.', examples: ['alipay-cn:order-1001'] }],
  [envelope.time, { description: "When the payment's workflow made the event (workflow time), ISO 8601." }],
  [envelope.sequence, { description: 'Per payment: 1, 2, 3 … in the order the events happened, with no gaps; a consumer that sees a gap has missed an event.' }],
  [envelope.datacontenttype, { description: '`data` is JSON.' }],
  [
    envelope.traceparent,
    {
      description:
        'CloudEvents distributed-tracing extension: the W3C traceparent of the span that published the event, in the trace of the request that caused it. Present only when the service exports traces (OTEL_EXPORTER_OTLP_ENDPOINT); also sent as the `traceparent` header.',
      examples: ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'],
    },
  ],
];

/** An example event of each type (test/api-documents.test.ts checks each against PaymentEvent and the document). */
function exampleEvents(): Record<EventType, { headers: Json; payload: PaymentEvent }> {
  const refundedView = (status: 'SUCCEEDED' | 'FAILED'): PaymentView =>
    exampleSucceededView({
      refunds: [{ ...EXAMPLE_REFUND, status, ...(status === 'FAILED' && { failure: { code: 'REFUND_WINDOW_EXCEED', message: 'the refund window has passed' } }) }],
      refundedAmount: { currency: 'CNY', value: status === 'SUCCEEDED' ? 300 : 0 },
      allowed: { cancel: false, refundableAmount: { currency: 'CNY', value: status === 'SUCCEEDED' ? 700 : 1000 } },
    });
  const ended = (status: 'EXPIRED' | 'CANCELLED' | 'FAILED', machineState: string, extra: Partial<PaymentView> = {}) =>
    exampleView({ status, machineState, allowed: { cancel: false, refundableAmount: { currency: 'CNY', value: 0 } }, ...extra });
  const data: Record<EventType, [number, PaymentView]> = {
    'payment.pending': [1, exampleView()],
    'payment.succeeded': [2, exampleSucceededView()],
    'payment.failed': [2, ended('FAILED', 'failed', { payAction: null, failure: { code: 'USER_BALANCE_NOT_ENOUGH', message: "the shopper's balance is not enough" } })],
    'payment.expired': [2, ended('EXPIRED', 'expired')],
    'payment.cancelled': [2, ended('CANCELLED', 'cancelled', { cancelRequestedBy: 'shop-frontend' })],
    'refund.succeeded': [3, refundedView('SUCCEEDED')],
    'refund.failed': [3, refundedView('FAILED')],
    'payment.late_success_refunded': [
      3,
      ended('EXPIRED', 'expired', {
        refunds: [{ refundId: 'late-success', amount: { currency: 'CNY', value: 1000 }, status: 'PENDING', reason: 'paid after the payment had ended', requestedBy: null, failure: null }],
        flags: [{ code: 'LATE_SUCCESS_REFUNDED', message: 'the gateway took the money after the payment had ended; refunded in full', at: '2026-11-26T10:01:00.000Z' }],
      }),
    ],
    'payment.amount_mismatch': [
      2,
      exampleView({
        flags: [{ code: 'AMOUNT_MISMATCH', message: 'a success notification for CNY 100, not the CNY 1000 of the payment; not trusted', at: '2026-11-26T09:31:00.000Z' }],
      }),
    ],
  };
  const events = {} as Record<EventType, { headers: Json; payload: PaymentEvent }>;
  for (const type of EVENT_TYPES) {
    const [sequence, view] = data[type];
    const payload: PaymentEvent = {
      specversion: '1.0',
      id: `${view.paymentId}/${sequence}`,
      source: EVENT_SOURCE,
      type: `alipay_cn.${type}`,
      subject: view.paymentId,
      time: view.updatedAt,
      sequence,
      datacontenttype: 'application/json',
      data: view,
    };
    events[type] = { headers: { 'Nats-Msg-Id': payload.id, 'Content-Type': CONTENT_TYPE, 'ce-type': payload.type }, payload };
  }
  return events;
}

/** The message headers of an event of this type. */
const headersSchema = (type: EventType) => ({
  type: 'object',
  required: ['Nats-Msg-Id'],
  properties: {
    'Nats-Msg-Id': {
      type: 'string',
      description: `The event's id (<paymentId>/<sequence>): JetStream drops a second message with the same id within the duplicate window (${DUPLICATE_WINDOW_MS / 60_000} minutes), so a retried publish never lands twice.`,
    },
    'Content-Type': { type: 'string', const: CONTENT_TYPE, description: 'A structured-mode CloudEvent.' },
    'ce-type': { type: 'string', const: `alipay_cn.${type}`, description: 'The CloudEvents type, so a consumer can route without parsing the body.' },
    traceparent: { type: 'string', pattern: TRACEPARENT.source, description: "The event's `traceparent`, when the service traces: a consumer continues the trace from it." },
  },
});

export function asyncApiDocument(): AsyncApiDocument {
  const examples = exampleEvents();
  const schemas = zodComponents(
    [
      [PaymentEvent, { id: 'PaymentEvent' }],
      ...VIEW_COMPONENTS,
      [CloudEventType, { id: 'EventType' }],
    ],
    EVENT_META,
    { io: 'input', target: 'draft-07', refBase: '#/components/schemas/' },
  );
  const messages: Record<string, Json> = {};
  for (const type of EVENT_TYPES) {
    const example = examples[type];
    messages[type] = {
      name: type,
      title: `alipay_cn.${type}`,
      summary: MEANING[type],
      contentType: CONTENT_TYPE,
      headers: headersSchema(type),
      payload: { allOf: [{ $ref: '#/components/schemas/PaymentEvent' }, { type: 'object', properties: { type: { const: `alipay_cn.${type}` } } }] },
      examples: [{ name: type.replace('.', '-'), summary: `On ${subjectFor(example.payload.data.product, type)}`, headers: example.headers, payload: example.payload }],
    };
  }
  const ref = (path: string) => ({ $ref: path });
  return {
    asyncapi: '3.0.0',
    id: 'urn:alipay-cn-payments:events',
    info: {
      title: 'ALIPAY_CN payment events',
      version: SERVICE_VERSION,
      description: [
        `Every change of a payment that a merchant acts on is published to NATS JetStream, stream \`${STREAM_NAME}\` (subjects \`${SUBJECT_PREFIX}.>\`, file storage), on the subject \`${CHANNEL_ADDRESS}\`, e.g. \`${subjectFor('CASHIER_PAYMENT', 'payment.succeeded')}\`.`,
        '',
        "**The message** is a CloudEvents 1.0 event in structured JSON whose `data` is the payment view (the same view GET /v1/payments/{paymentId} answers). Each carries the header `Nats-Msg-Id` = the event's `id`: the stream drops a republished copy within its duplicate window, so every event is stored once.",
        '',
        "**Order and gaps.** `sequence` counts a payment's events 1, 2, 3 … with no gaps. Delivery is at least once: a consumer deduplicates on `id` and acknowledges after it has handled the event.",
        '',
        `**Retention.** The stream keeps an event for EVENTS_MAX_AGE_DAYS (default ${DEFAULT_EVENTS_MAX_AGE_DAYS} days; at least the duplicate window of ${DUPLICATE_WINDOW_MS / 60_000} minutes), then drops it; a consumer that was away longer reads the payment (GET /v1/payments/{paymentId}) instead.`,
        '',
        '**Consumer identity.** With `npm start`\'s embedded nats-server, consumers connect as user `consumer` with the password in `<DATA_DIR>/nats-consumer-password` (also printed in the start banner). That user may read the stream and create and use its own (durable) consumers, but never publish to `payments.>` nor change, purge or delete the stream. With an external NATS (NATS_URL), use the identity its operator gives you.',
      ].join('\n'),
    },
    defaultContentType: CONTENT_TYPE,
    servers: {
      embedded: {
        host: '127.0.0.1:4223',
        protocol: 'nats',
        title: "npm start's nats-server",
        description: 'The nats-server `npm start` runs (NATS_PORT, default 4223), with JetStream. With NATS_URL the service publishes to that NATS instead: the same stream, subjects and messages.',
        security: [ref('#/components/securitySchemes/natsConsumer')],
      },
    },
    channels: {
      [CHANNEL_ID]: {
        address: CHANNEL_ADDRESS,
        title: 'Payment events',
        description: `Subscribe to \`${SUBJECT_PREFIX}.>\` for everything, or narrow with wildcards: \`${SUBJECT_PREFIX}.*.payment.succeeded\` (one type of every product), \`${SUBJECT_PREFIX}.ORDER_CODE.>\` (one product).`,
        parameters: {
          product: { enum: [...PRODUCTS], description: "The payment's product (data.product)." },
          type: { enum: [...EVENT_TYPES], description: 'The event type (the envelope\'s `type` without its `alipay_cn.` prefix). It contains a dot: it is the last two tokens of the subject.' },
        },
        messages: Object.fromEntries(EVENT_TYPES.map((t) => [t, ref(`#/components/messages/${t}`)])),
      },
    },
    operations: {
      receivePaymentEvents: {
        action: 'receive',
        channel: ref(`#/channels/${CHANNEL_ID}`),
        title: 'Receive payment events',
        summary: 'Consume the stream with a durable JetStream consumer.',
        description:
          `Create a durable consumer on stream \`${STREAM_NAME}\` with the filter subjects you need, handle each event, then acknowledge it: an event not acknowledged is delivered again (deduplicate on \`id\`). ` +
          'Validate each body with PaymentEvent (events/schema.ts) or the PaymentEvent schema here.',
        messages: EVENT_TYPES.map((t) => ref(`#/channels/${CHANNEL_ID}/messages/${t}`)),
      },
    },
    components: {
      schemas,
      messages,
      securitySchemes: {
        natsConsumer: {
          type: 'userPassword',
          description: 'User `consumer`; the password is in `<DATA_DIR>/nats-consumer-password` (default .data/) and in the start banner. Read-only: it cannot publish events or change the stream.',
        },
      },
    },
  };
}

/** The document as committed: two-space JSON and a final newline. */
export const asyncApiText = (doc: AsyncApiDocument = asyncApiDocument()) => `${JSON.stringify(doc, null, 2)}\n`;

