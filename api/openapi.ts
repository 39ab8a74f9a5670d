// The merchant API as an OpenAPI 3.1 document (issue 10 part 1, DESIGN.md sections 3 and 8), served
// at GET /openapi.json, rendered at GET /docs, committed as docs/openapi.json (`npm run docs`).
//
// The schemas are generated with zod's own z.toJSONSchema from the schemas that validate the
// requests (PaymentRequestShape, RefundBody, PaymentListQuery, GatewayNotification) and describe
// the answers (PaymentView): requests as zod reads them (io "input": unknown fields are ignored),
// answers as the service writes them (io "output"). Validation stays with those zod schemas and
// their messages (the VALIDATION_ERROR shape is unchanged); this module only describes them.
// What zod checks in code rather than in its schema (refinements: the ISO 4217 list, the
// PAYMENT_CODE and terminalType rules, ENTRY_CODE refused, the list's page size and instants) is
// added as metadata on the same schema objects, so the JSON Schemas say what the service accepts.
//
// test/api-documents.test.ts checks that every route the app registers is here (and nothing
// else), that every error code in api/ is documented, that the document is valid OpenAPI 3.1,
// that its examples validate against their schemas, and that docs/openapi.json is current.
import { z } from 'zod';
import { exampleSucceededView, exampleView, EXAMPLE_CREATE_BODY, EXAMPLE_REFUND } from '../domain/example-views.js';
import { cashierBody } from '../domain/example-requests.js';
import { Money } from '../domain/money.js';
import { mergeComponents, VIEW_COMPONENTS, PAYMENT_VIEW_META, SERVICE_VERSION, SHARED_META, zodComponents, type Json, type SchemaMeta } from '../domain/schema-docs.js';
import { MAX_EXPIRY_MS, PAY_CODE_PATTERN, PAYMENT_ID_PATTERN, PaymentRequestShape, validatePaymentRequest } from '../domain/payment-request.js';
import { PaymentView } from '../domain/payment-view.js';
import { GatewayNotification, NOTIFICATION_ACK, Notification, PRODUCTS, RefundNotification } from '../gateway/wire.js';
import { HEADERS as SIGNATURE_HEADERS } from '../gateway/signing.js';
import { RefundBody } from './after-payment-routes.js';
import { ApiError, type ApiErrorBody } from './errors.js';
import { NOTIFICATION_PATH } from './notifications-routes.js';
import { MAX_PAGE_TOKEN_LENGTH, PAGE_SIZE, PaymentListQuery, parseListQuery, type PaymentListPage } from './payment-list-routes.js';

export const OPENAPI_ROUTE = '/openapi.json';
export const ASYNCAPI_ROUTE = '/asyncapi.json';
export const DOCS_ROUTE = '/docs';
export const API_TITLE = 'ALIPAY_CN payments';

export type { Json };

export interface OpenApiDocument {
  openapi: string;
  info: Json & { title: string; version: string };
  tags: { name: string; description: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Json>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Record<string, Json> };
}

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

// ---------------------------------------------------------------------------------------------
// The schemas of the answers that have no zod schema elsewhere (each mirrors its TypeScript type)

const FieldError = z.object({ path: z.string(), message: z.string() });
const ErrorBody = z.object({
  error: z.object({ code: z.string().regex(/^[A-Z][A-Z0-9_]*$/), message: z.string(), details: z.array(FieldError) }),
});

const UnavailablePayment = z.object({
  paymentId: z.string(),
  merchantTransId: z.string().nullable(),
  product: z.string().nullable(),
  status: z.string().nullable(),
  createdAt: z.string().nullable(),
  reason: z.object({ code: z.string(), message: z.string() }),
});
const PaymentListPageSchema = z.object({ items: z.array(PaymentView), unavailable: z.array(UnavailablePayment), nextPageToken: z.string().nullable() });
const Health = z.object({ ok: z.literal(true) });
const Readiness = z.object({ ready: z.boolean(), dependencies: z.object({ temporal: z.string(), nats: z.string() }) });
const NotificationAck = z.object({
  result: z.object({ resultStatus: z.literal('S'), resultCode: z.literal('SUCCESS'), resultMessage: z.literal('success') }),
});

// Compile-time: the mirrors above are the types the routes answer with.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const mirrors: [Same<z.output<typeof ErrorBody>, ApiErrorBody>, Same<z.output<typeof PaymentListPageSchema>, PaymentListPage>, Same<z.output<typeof NotificationAck>, typeof NOTIFICATION_ACK>] = [
  true,
  true,
  true,
];
void mirrors;

// ---------------------------------------------------------------------------------------------
// What zod checks in code, said as JSON Schema, and the descriptions (domain/schema-docs.ts has
// the payment view's and the money type's)

const CREATE_PRODUCTS = PRODUCTS.filter((p) => p !== 'ENTRY_CODE');

const request = PaymentRequestShape.shape;

const REQUEST_META: [z.ZodType, SchemaMeta][] = [
  ...SHARED_META,
  [
    PaymentRequestShape,
    {
      description:
        'A payment to start. Every failing field is reported at once (400 VALIDATION_ERROR, one `details` entry per field and rule). ' +
        'Fields not listed here are ignored. The body is the idempotency fingerprint: the same `merchantTransId` with another body is 409 IDEMPOTENCY_CONFLICT.',
      allOf: [
        {
          description: '`payCodeValue` is required for PAYMENT_CODE, and only allowed there.',
          if: { type: 'object', properties: { product: { const: 'PAYMENT_CODE' } }, required: ['product'] },
          then: { type: 'object', required: ['payCodeValue'], properties: { payCodeValue: { type: 'string', pattern: PAY_CODE_PATTERN.source } } },
          else: { not: { type: 'object', required: ['payCodeValue'] } },
        },
        {
          description: '`terminalType` is only allowed for CASHIER_PAYMENT.',
          if: { type: 'object', properties: { product: { const: 'CASHIER_PAYMENT' } }, required: ['product'] },
          else: { not: { type: 'object', required: ['terminalType'] } },
        },
      ],
    },
  ],
  [request.merchantTransId, { description: "The merchant's order id: the idempotency key, and the tail of the paymentId (`alipay-cn:<merchantTransId>`).", examples: ['order-1001'] }],
  [request.paymentMethod, { description: 'Always ALIPAY_CN.' }],
  [
    request.product,
    {
      enum: CREATE_PRODUCTS,
      description:
        'CASHIER_PAYMENT (online: QR code or redirect), ORDER_CODE (in store, a merchant-presented code per order) or PAYMENT_CODE (in store, the shopper presents a code). ' +
        'ENTRY_CODE is refused: those payments start with the shopper scanning the static entry code, and the gateway notification creates them.',
    },
  ],
  [
    request.expireAt,
    {
      pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$',
      description: `Optional expiry, "yyyy-mm-dd hh:mm:ss" in the gateway time zone (GATEWAY_TIMEZONE, default Asia/Shanghai): a real time, in the future and less than ${MAX_EXPIRY_MS / 3_600_000} hours ahead. Default: DEFAULT_EXPIRY_SECONDS (30 minutes) after now.`,
      examples: ['2026-11-26 18:00:00'],
    },
  ],
  [request.payCodeValue, { description: 'PAYMENT_CODE only, and required there: the 18-digit code the shopper shows (starting 25 to 30).', examples: ['281234567890123456'] }],
  [request.terminalType, { description: 'CASHIER_PAYMENT only: WEB (the default; payAction QRCODE), WAP or APP (payAction REDIRECT).' }],
  // nonEmpty(): trimmed, at least one character, so at least one character that is not white space.
  [request.goods.shape.description, { pattern: '\\S', description: 'What is bought, as the shopper sees it in the wallet (not blank).' }],
  [request.riskData.shape.device.shape.os, { pattern: '\\S', description: "The shopper's device OS, e.g. iOS or Android (not blank)." }],
  [request.riskData, { description: 'Risk data the gateway requires (sent to it as riskData.Device.os).' }],
  [request.returnUrl, { pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', description: 'Optional: where the shopper returns after paying (an absolute https: or http: URL).' }],
  [RefundBody.shape.refundId, { description: 'The merchant\'s refund id, unique per payment: the idempotency key of the refund.', examples: ['r-1'] }],
  [
    RefundBody,
    {
      description:
        "A refund to ask for. `amount` is at most what may still be refunded (the view's allowed.refundableAmount), in the payment's currency. Fields not listed here are ignored.",
    },
  ],
  [RefundBody.shape.reason, { description: 'Optional, shown to the shopper.' }],
  [GatewayNotification, { description: 'The gateway\'s signed NOTIFICATION: a payment result or a refund result, told apart by notifyType.' }],
];

const ANSWER_META: [z.ZodType, SchemaMeta][] = [
  ...SHARED_META,
  ...PAYMENT_VIEW_META,
  [ErrorBody, { description: 'Every error answer: a code from the closed list of the operation, a sentence, and one `details` entry per failing field (empty when no field is to blame).' }],
  [ErrorBody.shape.error.shape.code, { description: 'UPPER_SNAKE; each operation lists the codes it can answer.' }],
  [FieldError, { description: 'One failing field: its dotted path (`(body)` for the body itself, `(query)` for the query) and the rule it breaks.' }],
  [PaymentListPageSchema, { description: 'A page of payments, newest first.' }],
  [PaymentListPageSchema.shape.unavailable, { description: 'Listed payments whose view could not be read now (its query failed), with what the search attributes say: one payment never fails the page.' }],
  [PaymentListPageSchema.shape.nextPageToken, { description: 'Pass as pageToken, with the same filters, for the next page; null on the last page.' }],
  [Readiness.shape.dependencies, { description: 'Each dependency: "up", "down: <reason>", or (NATS) "not configured".' }],
];

function schemaComponents(): Record<string, Json> {
  const answers = zodComponents(
    [
      ...VIEW_COMPONENTS,
      [PaymentListPageSchema, { id: 'PaymentListPage' }],
      [UnavailablePayment, { id: 'UnavailablePayment' }],
      [ErrorBody, { id: 'Error' }],
      [FieldError, { id: 'FieldError' }],
      [Health, { id: 'Health' }],
      [Readiness, { id: 'Readiness' }],
      [NotificationAck, { id: 'NotificationAck' }],
    ],
    ANSWER_META,
    { io: 'output', target: 'draft-2020-12', refBase: '#/components/schemas/' },
  );
  const requests = zodComponents(
    [
      [PaymentRequestShape, { id: 'PaymentRequest' }],
      [Money.shape.currency, { id: 'Currency' }],
      [RefundBody, { id: 'RefundRequest' }],
      [GatewayNotification, { id: 'GatewayNotification' }],
      [Notification, { id: 'PaymentResultNotification' }],
      [RefundNotification, { id: 'RefundResultNotification' }],
    ],
    REQUEST_META,
    { io: 'input', target: 'draft-2020-12', refBase: '#/components/schemas/' },
  );
  return sortKeys(mergeComponents(answers, requests));
}

/** The list query's parameters: the zod schema's properties, with what its transforms check said plainly. */
function listParameters(): Json[] {
  const query = z.toJSONSchema(PaymentListQuery, { io: 'input', target: 'draft-2020-12', unrepresentable: 'throw' }) as { properties: Record<string, Json> };
  const instant = (inclusive: boolean) => ({
    type: 'string',
    format: 'date-time',
    description: `${inclusive ? 'Inclusive: payments created at or after' : 'Exclusive: payments created before'} this instant. An ISO 8601 date-time with seconds and an offset (Z or ±hh:mm), up to nine fraction digits, a real date between 1970 and 9999.`,
    examples: [inclusive ? '2026-11-27T00:00:00+08:00' : '2026-11-28T00:00:00+08:00'],
  });
  const described: Record<string, Json> = {
    status: { ...query.properties.status, description: 'Only payments in this status.' },
    product: { ...query.properties.product, description: 'Only payments of this product.' },
    merchantTransId: { ...query.properties.merchantTransId, description: 'Only the payment with this merchantTransId.' },
    createdFrom: instant(true),
    createdTo: { ...instant(false), description: `${instant(false).description} Must be later than createdFrom.` },
    pageSize: { type: 'integer', minimum: PAGE_SIZE.min, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default, description: `Payments per page: ${PAGE_SIZE.min} to ${PAGE_SIZE.max} (decimal digits).` },
    pageToken: { ...query.properties.pageToken, description: `The nextPageToken of the previous page, as it was given (at most ${MAX_PAGE_TOKEN_LENGTH} characters), with the same filters.` },
  };
  // A parameter added to the zod schema is listed at once, without a description until it has one
  // here (test/api-documents.test.ts asks for it).
  return Object.keys(query.properties).map((name) => {
    const { description, ...schema } = described[name] ?? query.properties[name];
    return { name, in: 'query', required: false, ...(description !== undefined && { description }), schema };
  });
}

// ---------------------------------------------------------------------------------------------
// Errors: every code the API answers, which operation answers it, and an example of each

interface ErrorCode {
  status: number;
  meaning: string;
  /** An example message (the real one for the fixed ones). */
  message: string;
  headers?: Record<string, Json>;
}

const RETRY_AFTER = { 'Retry-After': { description: 'Whole seconds to wait before the next request with this key.', schema: { type: 'integer', minimum: 1 } } };
const WWW_AUTHENTICATE = { 'WWW-Authenticate': { description: 'Always `Bearer`.', schema: { type: 'string', const: 'Bearer' } } };

/** Real VALIDATION_ERROR answers, from the validators themselves (test/api-documents.test.ts checks each names fields). */
function validationExamples() {
  const invalid = (message: string, details: { path: string; message: string }[]) => new ApiError(400, 'VALIDATION_ERROR', message, details).body();
  const created = validatePaymentRequest(cashierBody('order-1002', { amount: { currency: 'CNY', value: 10.5 }, product: 'ENTRY_CODE', goods: {} }), 0, 'Asia/Shanghai');
  let list = invalid('the list query breaks the rules listed in details', []);
  try {
    parseListQuery({ status: 'PAID', pageSize: '500' });
  } catch (err) {
    if (err instanceof ApiError) list = err.body();
  }
  const refund = RefundBody.safeParse({ refundId: 'r 1', amount: { currency: 'CNY', value: 0 } });
  return {
    create: invalid('the payment request breaks the rules listed in details', created.ok ? [] : created.errors),
    list,
    refund: invalid('the refund request breaks the rules listed in details', refund.success ? [] : refund.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }))),
  };
}

export const ERROR_CODES: Record<string, ErrorCode> = {
  VALIDATION_ERROR: { status: 400, meaning: 'the body or query breaks the rules listed in `details` (every failing field, each with its rule), or the body is not valid JSON', message: 'the body is not valid JSON' },
  BAD_REQUEST: { status: 400, meaning: 'the HTTP layer refused the request (a malformed `%` escape in the URL, or not HTTP)', message: 'the URL is not valid' },
  UNAUTHENTICATED: { status: 401, meaning: 'no valid merchant API key: missing, malformed or unknown; nothing was read, started or changed', message: 'the request needs an Authorization: Bearer <API key> header', headers: WWW_AUTHENTICATE },
  NOT_FOUND: { status: 404, meaning: 'no route has this method and path (answered for any request that matches no operation)', message: 'no route GET /v2/payments' },
  INVALID_SIGNATURE: { status: 401, meaning: 'the notification is not signed by the gateway for this client id with a request-time within NOTIFICATION_MAX_AGE_SECONDS of now; nothing was signalled', message: 'the notification is refused: the signature does not verify' },
  PAYMENT_NOT_FOUND: { status: 404, meaning: 'no such payment (also any id not of the form `alipay-cn:<merchantTransId>` or `alipay-cn:entry:<gatewayTransId>`)', message: 'no payment with id alipay-cn:order-9999' },
  REQUEST_TIMEOUT: { status: 408, meaning: 'the request had not fully arrived after REQUEST_TIMEOUT_MS (10 s); the connection is closed', message: 'the request did not arrive in full within 10000 ms' },
  IDEMPOTENCY_CONFLICT: { status: 409, meaning: 'the idempotency key was already used with another body', message: 'merchantTransId order-1001 was already used for a payment with a different body' },
  NO_QR_CODE: { status: 409, meaning: 'the payment has no payAction to draw (PAYMENT_CODE, ENTRY_CODE, a PAY the gateway refused)', message: 'payment alipay-cn:pos-3-0001 (PAYMENT_CODE, SUCCEEDED) has no payAction, so no QR code' },
  PAYMENT_NOT_REFUNDABLE: { status: 409, meaning: 'the payment is not SUCCEEDED (pending, failed, expired, cancelled, or being cancelled)', message: 'only a SUCCEEDED payment can be refunded; this one is PENDING' },
  REFUND_EXCEEDS_REMAINING: { status: 409, meaning: 'the amount is more than may still be refunded (paid, less every refund not FAILED)', message: 'refund of 800 exceeds the 700 CNY that may still be refunded' },
  CANCEL_NOT_ALLOWED: { status: 409, meaning: 'a refund exists, the payment is final (FAILED, EXPIRED, CANCELLED), or it is mid-way (being created or reconciled)', message: 'a payment with refunds cannot be cancelled (only a full cancellation is allowed); refund the rest instead' },
  CANCEL_WINDOW_CLOSED: { status: 409, meaning: 'a SUCCEEDED payment after 23:59:59 of the date it was paid (gateway time); a pending one at its expiry', message: 'the cancellation period ended at 23:59:59 of the payment date (gateway time zone); refund the payment instead' },
  CANCEL_REFUSED: { status: 409, meaning: 'the gateway refused the CANCEL (the payment changed meanwhile; the view shows the result)', message: 'the gateway refused the cancellation: ORDER_STATUS_INVALID the order cannot be cancelled in its status' },
  PAYMENT_CLOSED: { status: 409, meaning: "the payment's workflow has closed (its refund window or grace period is over)", message: 'payment alipay-cn:order-1001 is closed: its refund window or grace period has ended' },
  URI_TOO_LONG: { status: 414, meaning: 'a path segment over 16 KiB, longer than any id (a URL that long usually meets the header limit, 431, first)', message: "'paymentId' is exceeding the max param length" },
  PAYLOAD_TOO_LARGE: { status: 413, meaning: 'the body is over 64 KiB', message: 'Request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'a body that is not application/json', message: 'Unsupported Media Type' },
  RATE_LIMITED: { status: 429, meaning: "the key's token bucket is empty (RATE_LIMIT_BURST at once, refilled at RATE_LIMIT_PER_SECOND)", message: 'API key shop-frontend sent more requests than its rate limit allows; retry after 1 s', headers: RETRY_AFTER },
  HEADERS_TOO_LARGE: { status: 431, meaning: 'the request headers are too large', message: 'the request headers are too large' },
  INTERNAL: { status: 500, meaning: 'the service failed to handle the request (never expected: test/fuzz.test.ts sends random input and sees no 5xx)', message: 'the service failed to handle the request' },
  UPSTREAM_UNAVAILABLE: { status: 502, meaning: 'the gateway could not be reached and nothing was created upstream (an unknown outcome is never this: it is PENDING and reconciled)', message: 'the gateway could not be reached and no payment was created: connect ECONNREFUSED' },
  TEMPORAL_UNAVAILABLE: { status: 503, meaning: 'Temporal could not be reached for TEMPORAL_UNAVAILABLE_AFTER_MS (3 s); nothing is lost by retrying later (requests are idempotent)', message: 'the payment service cannot reach Temporal right now (connect ECONNREFUSED 127.0.0.1:7233); retry the request later' },
  PAYMENT_UNAVAILABLE: { status: 503, meaning: "the payment's workflow fails to replay on the worker (a nondeterminism error): an operator has to look at it", message: 'the payment cannot be read right now: its workflow fails to replay on the worker (nondeterminism error); an operator has to look at it' },
};

/** Codes every request can answer: the HTTP layer's. */
const ANY_REQUEST = ['BAD_REQUEST', 'REQUEST_TIMEOUT', 'HEADERS_TOO_LARGE', 'INTERNAL'];
/** Codes of every request with a body. */
const WITH_BODY = ['VALIDATION_ERROR', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];
/** Codes of every /v1/payments… request (api/auth.ts, the Temporal watchdog). */
const MERCHANT = ['UNAUTHENTICATED', 'RATE_LIMITED', 'TEMPORAL_UNAVAILABLE'];
/** Codes of every request naming a payment in its path (api/server.ts checks the id first). */
const ONE_PAYMENT = [...MERCHANT, 'PAYMENT_NOT_FOUND', 'URI_TOO_LONG'];

interface OwnError {
  /** What the code means for this operation, when it says more than ERROR_CODES. */
  meaning?: string;
  /** A real answer of this operation, when there is one to show. */
  example?: ApiErrorBody;
}

const pascal = (code: string) => code.toLowerCase().replace(/(?:^|_)([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * The error responses for `codes` (and the HTTP layer's), one per status, each code with an
 * example. A response with nothing of the operation's own goes into `shared` (components.responses)
 * once and is referenced from there.
 */
function errorResponses(shared: Record<string, Json>, codes: string[], own: Partial<Record<string, OwnError>> = {}): Record<string, Json> {
  const byStatus = new Map<number, string[]>();
  for (const code of new Set([...codes, ...ANY_REQUEST])) {
    const known = ERROR_CODES[code];
    if (!known) throw new Error(`error code ${code} is not in ERROR_CODES`);
    byStatus.set(known.status, [...(byStatus.get(known.status) ?? []), code]);
  }
  const meaning = (code: string) => own[code]?.meaning ?? ERROR_CODES[code].meaning;
  const example = (code: string): ApiErrorBody => own[code]?.example ?? { error: { code, message: ERROR_CODES[code].message, details: [] } };
  const responses: Record<string, Json> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = Object.assign({}, ...list.map((c) => ERROR_CODES[c].headers ?? {}));
    const response = {
      description: list.map((c) => `\`${c}\`: ${meaning(c)}.`).join(' '),
      ...(Object.keys(headers).length > 0 && { headers }),
      content: json({ allOf: [ref('Error'), { type: 'object', properties: { error: { type: 'object', properties: { code: { type: 'string', enum: list } } } } }] }, Object.fromEntries(list.map((c) => [c, { summary: c, description: meaning(c), value: example(c) }]))),
    };
    if (list.some((c) => own[c] !== undefined)) {
      responses[String(status)] = response;
      continue;
    }
    const name = list.map(pascal).join('Or');
    shared[name] = response;
    responses[String(status)] = { $ref: `#/components/responses/${name}` };
  }
  return responses;
}

// ---------------------------------------------------------------------------------------------
// The document

const json = (schema: Json, examples?: Record<string, { summary: string; description?: string; value: unknown }>) => ({ 'application/json': { schema, ...(examples && { examples }) } });

const PAYMENT_ID_PARAMETER = {
  name: 'paymentId',
  in: 'path',
  required: true,
  description: '`alipay-cn:<merchantTransId>`, or `alipay-cn:entry:<gatewayTransId>` for ENTRY_CODE. Any other value answers 404 PAYMENT_NOT_FOUND.',
  schema: { type: 'string', pattern: PAYMENT_ID_PATTERN.source },
  examples: { cashier: { value: 'alipay-cn:order-1001' }, entryCode: { value: 'alipay-cn:entry:2026112600000042' } },
};

const OPEN = { security: [] as Record<string, string[]>[] };

export function openApiDocument(): OpenApiDocument {
  const sharedResponses: Record<string, Json> = {};
  const errors = (codes: string[], own?: Partial<Record<string, OwnError>>) => errorResponses(sharedResponses, codes, own);
  const examples = validationExamples();
  const pending = exampleView();
  const succeeded = exampleSucceededView();
  const refunded = exampleSucceededView({ refunds: [EXAMPLE_REFUND], allowed: { cancel: false, refundableAmount: { currency: 'CNY', value: 700 } } });
  const cancelled = exampleView({ status: 'CANCELLED', allowed: { cancel: false, refundableAmount: { currency: 'CNY', value: 0 } }, cancelRequestedBy: 'shop-frontend', machineState: 'cancelled', updatedAt: '2026-11-26T09:40:02.551Z' });
  const wap = exampleView({ terminalType: 'WAP', payAction: { type: 'REDIRECT', url: 'https://gateway.example/app-link/2026112600000001' } });
  const viewExamples = (...list: [string, string, unknown][]) => Object.fromEntries(list.map(([name, summary, value]) => [name, { summary, value }]));
  const validation = (example: ApiErrorBody) => ({ VALIDATION_ERROR: { example } });

  const paymentView = (description: string, ...list: [string, string, unknown][]) => ({ description, content: json(ref('PaymentView'), list.length > 0 ? viewExamples(...list) : undefined) });

  const paths: OpenApiDocument['paths'] = {
    '/v1/payments': {
      post: {
        operationId: 'createPayment',
        tags: ['Payments'],
        summary: 'Start a payment',
        description:
          'Starts the payment and answers once the gateway\'s PAY has answered (one round trip: Temporal update-with-start), so `payAction` is in the answer: show the QR code or redirect at once. ' +
          'Idempotent on `merchantTransId`: the same body again answers 200 with the current view; another body answers 409 IDEMPOTENCY_CONFLICT. ' +
          'An unknown upstream outcome is never an error: the payment is PENDING and reconciled.',
        requestBody: {
          required: true,
          content: json(ref('PaymentRequest'), {
            cashierWeb: { summary: 'CASHIER_PAYMENT from a desktop browser (payAction QRCODE)', value: EXAMPLE_CREATE_BODY },
            cashierWap: { summary: 'CASHIER_PAYMENT from a mobile browser (payAction REDIRECT)', value: cashierBody('order-1003', { terminalType: 'WAP' }) },
            orderCode: { summary: 'ORDER_CODE: a code for the shopper to scan at the till, expiring at a set time', value: cashierBody('till-7-0001', { product: 'ORDER_CODE', expireAt: '2026-11-26 18:00:00' }) },
            paymentCode: { summary: "PAYMENT_CODE: the shopper's code, scanned at the till", value: cashierBody('pos-3-0001', { product: 'PAYMENT_CODE', payCodeValue: '281234567890123456' }) },
          }),
        },
        responses: {
          '200': paymentView('The same `merchantTransId` and body again: the payment as it is now.', ['pending', 'PENDING, waiting for the shopper', pending]),
          '201': paymentView('Created: PAY has answered, `payAction` is known.', ['qrCode', 'CASHIER_PAYMENT from the WEB: QRCODE', pending], ['redirect', 'CASHIER_PAYMENT from WAP or APP: REDIRECT', wap]),
          ...errors([...MERCHANT, ...WITH_BODY, 'IDEMPOTENCY_CONFLICT', 'UPSTREAM_UNAVAILABLE', 'PAYMENT_UNAVAILABLE'], {
            ...validation(examples.create),
            IDEMPOTENCY_CONFLICT: { meaning: 'the `merchantTransId` was already used with another body' },
          }),
        },
      },
      get: {
        operationId: 'listPayments',
        tags: ['Payments'],
        summary: 'List payments',
        description:
          'A page of payment views from Temporal visibility over the search attributes, newest first, with cursor pagination. ' +
          'Every parameter is checked against its closed list or format, nothing the caller writes is pasted into the visibility query, and any other parameter (or one given twice, or empty) is a 400 VALIDATION_ERROR naming it.',
        parameters: listParameters(),
        responses: {
          '200': {
            description: 'A page (possibly empty).',
            content: json(ref('PaymentListPage'), { page: { summary: 'One payment, and a next page', value: { items: [succeeded], unavailable: [], nextPageToken: 'AQFJ2k0cVx4pWgoSCAEQARoMCNKGqMkGEIDh6x0' } } }),
          },
          ...errors(['VALIDATION_ERROR', ...MERCHANT], validation(examples.list)),
        },
      },
    },
    '/v1/payments/{paymentId}': {
      parameters: [PAYMENT_ID_PARAMETER],
      get: {
        operationId: 'getPayment',
        tags: ['Payments'],
        summary: 'Read a payment',
        description: "The payment's view, read from its workflow (a query): always current.",
        responses: {
          '200': paymentView('The payment.', ['pending', 'PENDING', pending], ['succeeded', 'SUCCEEDED, partly refunded', refunded]),
          ...errors([...ONE_PAYMENT, 'PAYMENT_UNAVAILABLE']),
        },
      },
    },
    '/v1/payments/{paymentId}/qr': {
      parameters: [PAYMENT_ID_PARAMETER],
      get: {
        operationId: 'getPaymentQrCode',
        tags: ['Payments'],
        summary: "The payment's QR code",
        description:
          "The payAction as a QR code (the QRCODE's redirectUrl, the REDIRECT's url), error correction M, a 4-module quiet zone. " +
          'SVG unless `Accept` rates image/png above image/svg+xml (each type takes the q of its most specific matching range); never 406. ' +
          'Read afresh each time like GET, and kept by no cache.',
        responses: {
          '200': {
            description: 'The QR code: SVG (scales: a viewBox in modules, no fixed size) or PNG (8 pixels a module).',
            headers: {
              'Cache-Control': { description: 'Always `no-store`.', schema: { type: 'string', const: 'no-store' } },
              Vary: { description: 'Always `Accept`.', schema: { type: 'string', const: 'Accept' } },
            },
            content: { 'image/svg+xml': { schema: { type: 'string' } }, 'image/png': {} },
          },
          ...errors([...ONE_PAYMENT, 'PAYMENT_UNAVAILABLE', 'NO_QR_CODE']),
        },
      },
    },
    '/v1/payments/{paymentId}/refunds': {
      parameters: [PAYMENT_ID_PARAMETER],
      post: {
        operationId: 'refundPayment',
        tags: ['Refunds and cancellation'],
        summary: 'Refund a payment, in part or in full',
        description:
          'A request to the payment\'s workflow (a Temporal update with a validator): any number of refunds, never more in total than was paid, even when sent concurrently. ' +
          'Idempotent on `refundId`. The refund settles later: `refund.succeeded` or `refund.failed` on the event stream, and in the view.',
        requestBody: {
          required: true,
          content: json(ref('RefundRequest'), { partial: { summary: 'A partial refund', value: { refundId: 'r-1', amount: { currency: 'CNY', value: 300 }, reason: 'one cup returned' } } }),
        },
        responses: {
          '200': { description: 'The same `refundId` and body again: that refund as it is now.', content: json(ref('Refund'), { settled: { summary: 'Settled', value: { ...EXAMPLE_REFUND, status: 'SUCCEEDED' } } }) },
          '202': { description: 'Accepted: the refund is PENDING until the gateway settles it.', content: json(ref('Refund'), { pending: { summary: 'Pending', value: EXAMPLE_REFUND } }) },
          ...errors([...ONE_PAYMENT, ...WITH_BODY, 'PAYMENT_NOT_REFUNDABLE', 'REFUND_EXCEEDS_REMAINING', 'IDEMPOTENCY_CONFLICT', 'PAYMENT_CLOSED'], {
            VALIDATION_ERROR: {
              meaning: "the body breaks the rules listed in `details` (refundId, an amount above 0, the payment's currency), or is not valid JSON",
              example: examples.refund,
            },
            IDEMPOTENCY_CONFLICT: { meaning: 'the `refundId` was already used with another body' },
          }),
        },
      },
    },
    '/v1/payments/{paymentId}/cancel': {
      parameters: [PAYMENT_ID_PARAMETER],
      post: {
        operationId: 'cancelPayment',
        tags: ['Refunds and cancellation'],
        summary: 'Cancel a payment',
        description:
          'Closes a payment still waiting for the shopper, or reverses a paid one until 23:59:59 of the date it was paid (gateway time; see `cancelDeadline`). ' +
          'A request to the payment\'s workflow (a Temporal update); an unknown CANCEL outcome is retried until the gateway answers. No body is needed.',
        responses: {
          '200': paymentView('The payment, CANCELLED.', ['cancelled', 'CANCELLED', cancelled]),
          ...errors([...ONE_PAYMENT, ...WITH_BODY, 'CANCEL_NOT_ALLOWED', 'CANCEL_WINDOW_CLOSED', 'CANCEL_REFUSED', 'PAYMENT_CLOSED'], {
            VALIDATION_ERROR: { meaning: 'a body was sent as application/json and is not valid JSON' },
          }),
        },
      },
    },
    [NOTIFICATION_PATH]: {
      post: {
        ...OPEN,
        operationId: 'receiveGatewayNotification',
        tags: ['Gateway webhook'],
        summary: "The gateway's notifications",
        description:
          'Called by the ALIPAY_CN gateway, not by merchants (no API key: its own signature). The signature is checked first, over the exact body bytes: ' +
          'HMAC-SHA256 of `POST <path>\\n<client-id>.<request-time>.<body>` with the gateway secret. Then the body is validated and routed to the payment (ENTRY_CODE payments start here). ' +
          'Duplicates are harmless; a notification for a payment this service does not hold is acknowledged too (retrying would not change it).',
        parameters: [
          { name: SIGNATURE_HEADERS.clientId, in: 'header', required: true, description: 'Our client id at the gateway (GATEWAY_CLIENT_ID).', schema: { type: 'string' } },
          { name: SIGNATURE_HEADERS.time, in: 'header', required: true, description: 'Epoch milliseconds, within NOTIFICATION_MAX_AGE_SECONDS (300) of now.', schema: { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } },
          { name: SIGNATURE_HEADERS.signature, in: 'header', required: true, description: '`algorithm=HMAC-SHA256,keyVersion=1,signature=<base64url>`.', schema: { type: 'string' } },
        ],
        requestBody: {
          required: true,
          content: json(ref('GatewayNotification'), {
            paymentResult: {
              summary: 'A payment result',
              value: { notifyId: 'n-0001', notifyType: 'PAYMENT_RESULT', merchantTransId: 'order-1001', gatewayTransId: '2026112600000001', product: 'CASHIER_PAYMENT', status: 'SUCCESS', amount: { currency: 'CNY', value: 1000 }, paidAt: '2026-11-26T09:31:10+08:00' },
            },
            refundResult: {
              summary: 'A refund result (online payments only)',
              value: { notifyId: 'n-0002', notifyType: 'REFUND_RESULT', merchantTransId: 'order-1001', gatewayTransId: '2026112600000001', refundRequestId: 'r-1', gatewayRefundId: '2026112600000001-r1', product: 'CASHIER_PAYMENT', status: 'SUCCESS', refundAmount: { currency: 'CNY', value: 300 } },
            },
          }),
        },
        responses: {
          '200': { description: 'Acknowledged, with the body the gateway expects.', content: json(ref('NotificationAck'), { ack: { summary: 'The acknowledgement', value: NOTIFICATION_ACK } }) },
          ...errors([...WITH_BODY, 'INVALID_SIGNATURE', 'TEMPORAL_UNAVAILABLE'], {
            VALIDATION_ERROR: { meaning: 'the notification is malformed (or not JSON); `details` lists the fields' },
          }),
        },
      },
    },
    '/healthz': {
      get: {
        ...OPEN,
        operationId: 'health',
        tags: ['Operations'],
        summary: 'Liveness',
        description: 'The process answers. Asks no dependency.',
        responses: { '200': { description: 'Alive.', content: json(ref('Health'), { ok: { summary: 'Alive', value: { ok: true } } }) }, ...errors([]) },
      },
    },
    '/readyz': {
      get: {
        ...OPEN,
        operationId: 'readiness',
        tags: ['Operations'],
        summary: 'Readiness',
        description: 'Asks Temporal and NATS afresh (1 s timeout each): 200 when both answer, 503 naming the one that does not.',
        responses: {
          '200': { description: 'Ready.', content: json(ref('Readiness'), { ready: { summary: 'Both answer', value: { ready: true, dependencies: { temporal: 'up', nats: 'up' } } } }) },
          '503': {
            description: 'Not ready: the failing dependency says why.',
            content: json(ref('Readiness'), { temporalDown: { summary: 'Temporal is down', value: { ready: false, dependencies: { temporal: 'down: connect ECONNREFUSED 127.0.0.1:7233', nats: 'up' } } } }),
          },
          ...errors([]),
        },
      },
    },
    '/metrics': {
      get: {
        ...OPEN,
        operationId: 'metrics',
        tags: ['Operations'],
        summary: 'Prometheus metrics',
        description: 'The Prometheus text exposition format; the README lists each metric.',
        responses: { '200': { description: 'The metrics.', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors([]) },
      },
    },
    [OPENAPI_ROUTE]: {
      get: {
        ...OPEN,
        operationId: 'openApiDocument',
        tags: ['Documents'],
        summary: 'This document',
        description: 'OpenAPI 3.1, generated from the zod schemas the API validates with (committed as docs/openapi.json).',
        responses: { '200': { description: 'The OpenAPI document.', content: json({ type: 'object' }) }, ...errors([]) },
      },
    },
    [ASYNCAPI_ROUTE]: {
      get: {
        ...OPEN,
        operationId: 'asyncApiDocument',
        tags: ['Documents'],
        summary: 'The event stream, as AsyncAPI 3.0',
        description: 'The NATS JetStream subjects and the CloudEvents envelope of the payment events, generated from the zod event schemas (committed as docs/asyncapi.json).',
        responses: { '200': { description: 'The AsyncAPI document.', content: json({ type: 'object' }) }, ...errors([]) },
      },
    },
    [DOCS_ROUTE]: {
      get: {
        ...OPEN,
        operationId: 'apiReference',
        tags: ['Documents'],
        summary: 'This document, for people',
        description: 'Swagger UI rendering this document, with every asset served by the API itself (under /docs/static/): it needs no internet.',
        responses: { '200': { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, ...errors([]) },
      },
    },
  };

  return {
    openapi: '3.1.1',
    info: {
      title: API_TITLE,
      version: SERVICE_VERSION,
      summary: 'Payments through the ALIPAY_CN wallet: start, read, list, refund and cancel them; QR codes; the gateway webhook.',
      description: [
        'Each payment is a Temporal workflow driven by a state machine; its events are published on NATS JetStream (see GET /asyncapi.json).',
        '',
        '**Authentication.** Every `/v1/payments…` request carries a merchant API key, `Authorization: Bearer <secret>` (API_KEYS); without a valid one the answer is 401 UNAUTHENTICATED and nothing is read, started or changed. Each key has a rate limit (429 RATE_LIMITED with Retry-After). The gateway webhook has its own signature; health, readiness, metrics and these documents are open.',
        '',
        '**Errors.** Every error answer is `{"error":{"code":"UPPER_SNAKE","message":"…","details":[{"path":"a.b","message":"…"}]}}` (the Error schema); each operation lists the codes it can answer. A path that names no route answers 404 NOT_FOUND in the same shape.',
        '',
        '**Idempotency.** `merchantTransId` (payments) and `refundId` (refunds) are idempotency keys: repeat a request after a timeout or a 503 with the same body and it is answered once.',
        '',
        "**Request ids and traces.** Every answer carries `X-Request-Id`: the caller's own when it sent one of 1 to 128 characters of `A-Z a-z 0-9 . _ : / -`, a new UUID otherwise; the service's log line for the request carries it as `requestId`. A caller that sends a W3C `traceparent` has the payment's spans (API, workflow, activities, gateway calls) and its events' `traceparent` continue that trace, when the service exports traces (OTEL_EXPORTER_OTLP_ENDPOINT).",
      ].join('\n'),
    },
    tags: [
      { name: 'Payments', description: 'Start, read and list payments; QR codes.' },
      { name: 'Refunds and cancellation', description: "Requests to a payment's workflow, checked against its state (never more refunded than paid)." },
      { name: 'Gateway webhook', description: 'Called by the gateway.' },
      { name: 'Operations', description: 'Health, readiness and metrics.' },
      { name: 'Documents', description: 'This document, the event stream\'s, and the page that renders them.' },
    ],
    security: [{ merchantApiKey: [] }],
    paths,
    components: {
      schemas: schemaComponents(),
      responses: sortKeys(sharedResponses),
      securitySchemes: {
        merchantApiKey: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A merchant API key: `Authorization: Bearer <secret>`. Keys are configured as API_KEYS=name:secret,… (secrets of at least 32 characters); `npm start` without API_KEYS generates one into .data/api-key. The key\'s name is recorded as `requestedBy` on refunds and cancellations.',
        },
      },
    },
  };
}

/** The same object with its keys in order (stable output for the committed document). */
function sortKeys<T extends Json>(o: T): T {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

/** The document as committed: two-space JSON and a final newline. */
export const openApiText = (doc: OpenApiDocument = openApiDocument()) => `${JSON.stringify(doc, null, 2)}\n`;

