// zod schemas as JSON Schema for the API documents (api/openapi.ts, events/asyncapi.ts), with zod's
// own z.toJSONSchema, and the descriptions of the domain schemas they show. Descriptions live here,
// keyed by the very schema objects that validate (a metadata registry of this module's own), so
// the domain schemas stay as they are and their validation and messages are untouched.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { PROJECT_ROOT } from '../config/project-root.js';
import { ISO_4217_CODES, Money } from './money.js';
import { PaymentView } from './payment-view.js';
import { PayAction } from '../gateway/wire.js';

export type Json = Record<string, unknown>;

/** The service's version (package.json): the documents' info.version. */
export const SERVICE_VERSION: string = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')).version;

/** What metadata a zod schema may carry here: an `id` makes it a component; the rest is JSON Schema. */
export type SchemaMeta = { id?: string; description?: string; examples?: unknown[] } & Json;

/**
 * JSON Schemas of the components `ids` names, generated in one pass (shared ones by $ref to
 * `${refBase}<id>`), with `described` metadata applied wherever those schema objects occur.
 */
export function zodComponents(
  ids: [z.ZodType, SchemaMeta & { id: string }][],
  described: [z.ZodType, SchemaMeta][],
  opts: { io: 'input' | 'output'; target: 'draft-2020-12' | 'draft-07'; refBase: string },
): Record<string, Json> {
  const metadata = new Map<z.ZodType, SchemaMeta>();
  for (const [schema, meta] of [...described, ...ids]) metadata.set(schema, { ...metadata.get(schema), ...meta });
  const registry = z.registry<SchemaMeta>();
  for (const [schema, meta] of metadata) registry.add(schema, meta);
  const { schemas } = z.toJSONSchema(registry, { io: opts.io, target: opts.target, metadata: registry, uri: (id) => `${opts.refBase}${id}`, unrepresentable: 'throw' });
  const components: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(schemas as Record<string, Json>)) {
    if (id === '__shared') throw new Error('a schema used in several components needs an id of its own');
    const { $schema: _s, $id: _i, ...rest } = schema;
    components[id] = rest;
  }
  return components;
}

/** Components of two conversions as one set: an id both define must be the same schema in both. */
export function mergeComponents(a: Record<string, Json>, b: Record<string, Json>): Record<string, Json> {
  for (const id of Object.keys(b)) {
    if (id in a && JSON.stringify(a[id]) !== JSON.stringify(b[id])) throw new Error(`component ${id} differs between requests and answers: give each its own id`);
  }
  return { ...a, ...b };
}

/** What Money's refinement checks (the ISO 4217 list), said as JSON Schema. */
const CURRENCY_META: SchemaMeta = {
  description: 'ISO 4217 currency code (the current list; precious metals, test codes and withdrawn codes are refused)',
  enum: [...ISO_4217_CODES].sort(),
};

const WITH_OFFSET = 'ISO 8601 date-time with the offset of the gateway time zone, e.g. 2026-11-26T18:00:00+08:00';

/** Descriptions of the money type, wherever it occurs (requests, answers, events). */
export const SHARED_META: [z.ZodType, SchemaMeta][] = [
  [Money, { description: 'An amount: integer minor units (fen for CNY) of an ISO 4217 currency.' }],
  [Money.shape.currency, CURRENCY_META],
  [Money.shape.value, { description: 'Integer minor units, above 0 (1000 = CNY 10.00).' }],
];

const view = PaymentView.shape;
export const RefundSchema = view.refunds.element;

/** The payment view's components, under the same ids in both documents (OpenAPI answers, AsyncAPI `data`). */
export const VIEW_COMPONENTS: [z.ZodType, SchemaMeta & { id: string }][] = [
  [PaymentView, { id: 'PaymentView' }],
  [Money, { id: 'Money' }],
  [Money.shape.currency, { id: 'Currency' }],
  [PayAction, { id: 'PayAction' }],
  [RefundSchema, { id: 'Refund' }],
];

/** Descriptions of the payment view's fields: the answer of GET /v1/payments/{id} and every event's `data`. */
export const PAYMENT_VIEW_META: [z.ZodType, SchemaMeta][] = [
  [PaymentView, { description: 'A payment as it is now: the answer of GET /v1/payments/{paymentId}, and the `data` of every event.' }],
  [view.paymentId, { description: '`alipay-cn:<merchantTransId>`, or `alipay-cn:entry:<gatewayTransId>` for ENTRY_CODE.', examples: ['alipay-cn:order-1001'] }],
  [view.status, { description: 'CREATED (PAY not answered yet), PENDING (waiting for the shopper or for the outcome), then one of SUCCEEDED, FAILED, EXPIRED, CANCELLED.' }],
  [view.refundedAmount, { description: 'The total of the SUCCEEDED refunds.' }],
  [
    view.payAction,
    {
      description:
        'What to show the shopper: QRCODE (present `redirectUrl` as a QR code; GET /v1/payments/{paymentId}/qr draws it) or REDIRECT (send the shopper to `url`). ' +
        'null when there is none: PAYMENT_CODE, ENTRY_CODE, or a PAY the gateway refused.',
    },
  ],
  [view.terminalType, { description: "CASHIER_PAYMENT: the request's terminalType (WEB when it named none). null for the other products." }],
  [view.gatewayTransId, { description: "The gateway's id of the payment, once PAY has answered." }],
  [view.expiresAt, { description: `When the payment expires unpaid: ${WITH_OFFSET}.` }],
  [view.cancelDeadline, { description: `The last moment a cancel is accepted: the expiry while the payment waits, 23:59:59 of the paid date (gateway time) once it SUCCEEDED. ${WITH_OFFSET}.` }],
  [view.refunds, { description: 'Every refund asked for, in the order asked.' }],
  [RefundSchema.shape.status, { description: 'PENDING until the gateway settles it, then SUCCEEDED or FAILED.' }],
  [RefundSchema.shape.requestedBy, { description: 'The name of the merchant API key that asked; null for refunds the service made itself (a late success refunded in full).' }],
  [view.cancelRequestedBy, { description: 'The name of the merchant API key that asked for the cancellation, once one has.' }],
  [view.allowed, { description: 'What may be asked now: whether a cancel is accepted, and how much may still be refunded.' }],
  [view.failure, { description: 'Why the payment FAILED (the gateway\'s code and message), else null.' }],
  [view.flags, { description: 'Things a person should look at: a paidAt that cannot be true, a late success refunded, a notification for another amount.' }],
  [view.machineState, { description: "The payment state machine's current state (for support; not part of the status contract).", examples: ['awaitingShopper'] }],
  [view.updatedAt, { description: 'When the view last changed (ISO 8601, UTC).' }],
];
