// GET /v1/payments (DESIGN.md section 8): a page of payment views from Temporal visibility, newest
// first, with an opaque cursor. Authenticated like every /v1/payments route (api/auth.ts: the
// route is /v1/payments itself).
//
// - The query parameters are checked by a zod schema against the closed lists and formats; any
//   other parameter, a repeated one or an empty one is a 400 VALIDATION_ERROR naming it.
// - The visibility query is built only from checked values, each put in as a quoted literal that
//   is checked once more (visibilityLiteral): nothing the caller wrote is pasted into it.
// - Each listed payment is read with the `state` query (bounded parallelism), so an item is the
//   same view GET /v1/payments/{id} answers. A payment whose query fails (other than Temporal
//   being out of reach, which fails the page with 503) is listed under `unavailable` with what
//   the search attributes say, so one payment never fails the page.
// - A payment that continued as new has one run per history segment: only the current run is
//   listed (ExecutionStatus != 'ContinuedAsNew'), and a page never holds a payment twice.
// - `ORDER BY StartTime DESC` where the visibility store supports it (Elasticsearch/OpenSearch);
//   SQL visibility (the dev server's SQLite, PostgreSQL, MySQL) refuses ORDER BY, and then the
//   store's own order applies: open payments newest first, then closed ones most recently closed
//   first. Which one a page was read with travels in its page token.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import type { FastifyInstance } from 'fastify';
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { MERCHANT_TRANS_ID_PATTERN, type FieldError } from '../domain/payment-request.js';
import type { PaymentView } from '../domain/payment-view.js';
import { PAYMENT_STATUSES, type PaymentStatus } from '../domain/statuses.js';
import { PRODUCTS } from '../gateway/wire.js';
import { WORKFLOW_TYPE, searchAttributes, stateQuery } from '../workflows/messages.js';
import { ApiError, quoted } from './errors.js';
import type { TemporalMonitor } from './temporal-connection.js';
import { paymentUnavailableError, temporalUnreachable } from './temporal-errors.js';

/**
 * How long one listed payment's `state` query may take: a payment whose worker is down (or whose
 * queue nobody polls) is listed as unavailable instead of holding the page (under the 3 s outage
 * watchdog of temporal-connection.ts, which would call the whole page a Temporal outage).
 */
const ITEM_QUERY_TIMEOUT_MS = 2_000;
const DEADLINE_MARGIN_MS = 250;

export const PAYMENT_LIST_ROUTE = '/v1/payments';
export const PAGE_SIZE = { default: 20, min: 1, max: 100 } as const;
/** The longest page token accepted (the service's own are a few hundred characters). */
export const MAX_PAGE_TOKEN_LENGTH = 2048;
/** How many `state` queries one page runs at a time. */
const VIEW_CONCURRENCY = 8;

// ---------------------------------------------------------------------------------------------
// The query parameters

const RULES = {
  status: `must be one of ${PAYMENT_STATUSES.join(', ')}`,
  product: `must be one of ${PRODUCTS.join(', ')}`,
  merchantTransId: 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -',
  instant: 'must be an ISO 8601 date-time with seconds and an offset, e.g. 2026-11-27T09:30:00+08:00 or 2026-11-27T01:30:00.5Z, a real date between 1970 and 9999',
  pageSize: `must be an integer from ${PAGE_SIZE.min} to ${PAGE_SIZE.max}`,
  pageToken: 'must be the nextPageToken of an earlier page, as it was given',
} as const;

/** A parameter given twice (`status=A&status=B`) arrives as an array: named as such. */
const once = (rule: string) => (issue: { input?: unknown }) => (Array.isArray(issue.input) ? 'must be given once' : rule);

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 / RFC 3339 date-time with an offset as the same instant in UTC with nine fraction
 * digits ("2026-11-27T01:30:00.500000000Z"): fixed width, so two compare as strings. null when it
 * is not one, names no real date or time, or lies outside 1970..9999.
 */
export function utcInstant(value: string): string | null {
  const m = INSTANT.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, fraction = '', , sign, oh, om] = m;
  const [year, month, day] = [Number(y), Number(mo), Number(d)];
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return null;
  const offsetMinutes = sign === undefined ? 0 : (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const nanos = fraction.padEnd(9, '0');
  const date = new Date(Date.UTC(year, month - 1, day, Number(h), Number(mi), Number(s), Number(nanos.slice(0, 3))) - offsetMinutes * 60_000);
  if (Number.isNaN(date.getTime()) || date.getUTCFullYear() < 1970 || date.getUTCFullYear() > 9999) return null;
  return `${date.toISOString().slice(0, 23)}${nanos.slice(3)}Z`;
}
const daysIn = (year: number, month: number) => (month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31);
const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

const instant = z
  .string({ error: once(RULES.instant) })
  .transform((value, ctx) => {
    const utc = utcInstant(value);
    if (utc === null) {
      ctx.addIssue({ code: 'custom', message: RULES.instant });
      return z.NEVER;
    }
    return utc;
  });

/** GET /v1/payments's query: the closed lists and formats, nothing else (strict: unknown names are refused). */
export const PaymentListQuery = z
  .strictObject({
    status: z.enum(PAYMENT_STATUSES, { error: once(RULES.status) }).optional(),
    product: z.enum(PRODUCTS, { error: once(RULES.product) }).optional(),
    merchantTransId: z.string({ error: once(RULES.merchantTransId) }).regex(MERCHANT_TRANS_ID_PATTERN, RULES.merchantTransId).optional(),
    /** Inclusive: payments created at or after this instant. */
    createdFrom: instant.optional(),
    /** Exclusive: payments created before this instant. */
    createdTo: instant.optional(),
    pageSize: z
      .string({ error: once(RULES.pageSize) })
      .regex(/^\d{1,3}$/, RULES.pageSize)
      .transform(Number)
      .refine((n) => n >= PAGE_SIZE.min && n <= PAGE_SIZE.max, RULES.pageSize)
      .optional(),
    pageToken: z
      .string({ error: once(RULES.pageToken) })
      .max(MAX_PAGE_TOKEN_LENGTH, RULES.pageToken)
      .regex(/^[A-Za-z0-9_-]+$/, RULES.pageToken)
      .optional(),
  })
  .superRefine((q, ctx) => {
    if (q.createdFrom !== undefined && q.createdTo !== undefined && q.createdTo <= q.createdFrom) {
      ctx.addIssue({ code: 'custom', path: ['createdTo'], message: 'must be later than createdFrom (createdFrom is inclusive, createdTo exclusive)' });
    }
  });
export type PaymentListQuery = z.output<typeof PaymentListQuery>;

/** The filters of a list: what the visibility query is made of (and what a page token is bound to). */
export type ListFilters = Pick<PaymentListQuery, 'status' | 'product' | 'merchantTransId' | 'createdFrom' | 'createdTo'>;

const KNOWN_PARAMETERS = ['status', 'product', 'merchantTransId', 'createdFrom', 'createdTo', 'pageSize', 'pageToken'];

const invalid = (details: FieldError[]) => new ApiError(400, 'VALIDATION_ERROR', 'the list query breaks the rules listed in details', details);

/** The checked query, or the 400 VALIDATION_ERROR naming every failing parameter and its rule. */
export function parseListQuery(query: unknown): PaymentListQuery {
  const parsed = PaymentListQuery.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const details: FieldError[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        details.push({ path: quoted(key), message: `is not a parameter of GET /v1/payments (they are ${KNOWN_PARAMETERS.join(', ')})` });
      }
    } else {
      details.push({ path: issue.path.join('.') || '(query)', message: issue.message });
    }
  }
  throw invalid(details.filter((d, i) => details.findIndex((o) => o.path === d.path && o.message === d.message) === i));
}

// ---------------------------------------------------------------------------------------------
// The visibility query

/** What a literal in a visibility query may hold: the characters of the closed lists, patterns and instants. */
const SAFE_LITERAL = /^[A-Za-z0-9_:.+-]*$/;

/**
 * A value as a quoted literal of Temporal's list filter. Only checked values come here; a value
 * with any other character is refused all the same (defence in depth), and quotes and
 * backslashes would be escaped if the check were ever loosened.
 */
export function visibilityLiteral(value: string): string {
  if (!SAFE_LITERAL.test(value)) throw new Error(`refusing to put ${JSON.stringify(quoted(value))} into a visibility query`);
  return `'${value.replace(/[\\']/g, '\\$&')}'`;
}

/** The list filter for these (checked) filters, without ordering. */
export function visibilityQuery(f: ListFilters): string {
  const clauses = [`WorkflowType = ${visibilityLiteral(WORKFLOW_TYPE)}`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (f.status !== undefined) clauses.push(`${searchAttributes.status.name} = ${visibilityLiteral(f.status)}`);
  if (f.product !== undefined) clauses.push(`${searchAttributes.product.name} = ${visibilityLiteral(f.product)}`);
  if (f.merchantTransId !== undefined) clauses.push(`${searchAttributes.merchantTransId.name} = ${visibilityLiteral(f.merchantTransId)}`);
  if (f.createdFrom !== undefined) clauses.push(`StartTime >= ${visibilityLiteral(f.createdFrom)}`);
  if (f.createdTo !== undefined) clauses.push(`StartTime < ${visibilityLiteral(f.createdTo)}`);
  return clauses.join(' AND ');
}

export const NEWEST_FIRST = ' ORDER BY StartTime DESC';

// ---------------------------------------------------------------------------------------------
// Page tokens: base64url of [version][ordered][8 bytes of the filters' digest][Temporal's token]
// [16 bytes of HMAC-SHA256 over all before it]. Only tokens this service issued reach Temporal
// (which retries on, then refuses, a cursor it cannot read); the digest says when a token is sent
// with other filters than it was issued for.

const TOKEN_VERSION = 1;
const DIGEST_BYTES = 8;
const MAC_BYTES = 16;

/** The page tokens' HMAC key, derived from a configured secret (the same on every API process), or random. */
export function pageTokenKey(secret?: string): Buffer {
  if (secret === undefined || secret === '') return randomBytes(32);
  return Buffer.from(hkdfSync('sha256', secret, 'alipay-cn', 'GET /v1/payments page token', 32));
}

const filtersDigest = (f: ListFilters) =>
  createHash('sha256')
    .update(JSON.stringify([f.status ?? null, f.product ?? null, f.merchantTransId ?? null, f.createdFrom ?? null, f.createdTo ?? null]))
    .digest()
    .subarray(0, DIGEST_BYTES);

const mac = (key: Buffer, bytes: Buffer) => createHmac('sha256', key).update(bytes).digest().subarray(0, MAC_BYTES);

export interface PageCursor {
  /** Whether the page was read with ORDER BY StartTime DESC (the next one must be too). */
  ordered: boolean;
  /** Temporal's nextPageToken. */
  temporal: Uint8Array;
}

export function encodePageToken(key: Buffer, filters: ListFilters, cursor: PageCursor): string {
  const body = Buffer.concat([Buffer.from([TOKEN_VERSION, cursor.ordered ? 1 : 0]), filtersDigest(filters), cursor.temporal]);
  return Buffer.concat([body, mac(key, body)]).toString('base64url');
}

const badToken = (message: string) => invalid([{ path: 'pageToken', message }]);

/** The cursor in a page token this service issued for these filters; a 400 naming pageToken otherwise. */
export function decodePageToken(key: Buffer, token: string, filters: ListFilters): PageCursor {
  const bytes = Buffer.from(token, 'base64url');
  const body = bytes.subarray(0, -MAC_BYTES);
  // Only the canonical spelling of a token this service signed, character for character.
  if (
    bytes.toString('base64url') !== token ||
    bytes.length <= 2 + DIGEST_BYTES + MAC_BYTES ||
    !timingSafeEqual(bytes.subarray(-MAC_BYTES), mac(key, body)) ||
    body[0] !== TOKEN_VERSION ||
    body[1] > 1
  ) {
    throw badToken(`${RULES.pageToken}; this is not a page token this service issued (start again without pageToken)`);
  }
  if (!body.subarray(2, 2 + DIGEST_BYTES).equals(filtersDigest(filters))) {
    throw badToken('was issued for other filters: send the same status, product, merchantTransId, createdFrom and createdTo as for the first page');
  }
  return { ordered: body[1] === 1, temporal: body.subarray(2 + DIGEST_BYTES) };
}

// ---------------------------------------------------------------------------------------------
// The route

/** A listed payment whose view could not be read: what visibility says of it, and why. */
export interface UnavailablePayment {
  paymentId: string;
  merchantTransId: string | null;
  product: string | null;
  status: string | null;
  /** The start of the payment's current run (ISO 8601, UTC). */
  createdAt: string | null;
  reason: { code: string; message: string };
}

export interface PaymentListPage {
  /** Payment views, newest first (see the module comment for SQL visibility stores). */
  items: PaymentView[];
  /** Listed payments whose view could not be read (their `state` query failed), in list order. */
  unavailable: UnavailablePayment[];
  /** The token for the next page; null on the last page. */
  nextPageToken: string | null;
}

export interface PaymentListOptions {
  client: Client;
  /** The outage watchdog (api/temporal-connection.ts): the raw visibility call is put under it too. */
  temporal?: TemporalMonitor;
  /** The secret page tokens are signed with (a key derived from it); random per process when absent. */
  tokenSecret?: string;
}

type RawExecution = temporal.api.workflow.v1.IWorkflowExecutionInfo;

const GRPC_INVALID_ARGUMENT = 3;
const grpcCode = (err: unknown) => (err as { code?: unknown } | null)?.code;
const grpcDetails = (err: unknown) => String((err as { details?: unknown; message?: unknown } | null)?.details ?? (err as Error)?.message ?? err);
const orderByRefused = (err: unknown) => grpcCode(err) === GRPC_INVALID_ARGUMENT && /ORDER BY/i.test(grpcDetails(err));

function keyword(raw: RawExecution, name: string): string | null {
  const payload = raw.searchAttributes?.indexedFields?.[name] as Payload | undefined;
  if (!payload) return null;
  try {
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    return typeof value === 'string' ? value : Array.isArray(value) && typeof value[0] === 'string' ? value[0] : null;
  } catch {
    return null;
  }
}

function startedAt(raw: RawExecution): string | null {
  const ts = raw.startTime;
  if (!ts?.seconds) return null;
  const ms = Number(ts.seconds.toString()) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6);
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

/** Runs `fn` over `items`, at most `limit` at a time, results in order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export function paymentListRoutes(app: FastifyInstance, opts: PaymentListOptions): void {
  const { client } = opts;
  const tokenKey = pageTokenKey(opts.tokenSecret);
  const guard = <T>(call: () => Promise<T>) => (opts.temporal ? opts.temporal.guard(call) : call());
  /** Whether the visibility store takes ORDER BY StartTime DESC; learnt from its first answer. */
  let orderBySupported: boolean | undefined;

  const listExecutions = (query: string, pageSize: number, token: Uint8Array) =>
    guard(() => client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize, nextPageToken: token }));

  /** One page of runs from visibility, newest first where the store can order. */
  async function readPage(filters: ListFilters, pageSize: number, cursor: PageCursor | null) {
    const query = visibilityQuery(filters);
    const ordered = cursor ? cursor.ordered : orderBySupported !== false;
    const token = cursor?.temporal ?? new Uint8Array(0);
    try {
      const res = await listExecutions(ordered ? query + NEWEST_FIRST : query, pageSize, token);
      if (ordered) orderBySupported = true;
      return { res, ordered };
    } catch (err) {
      if (temporalUnreachable(err) !== null) throw err;
      if (!cursor && ordered && orderByRefused(err)) {
        orderBySupported = false;
        return { res: await listExecutions(query, pageSize, token), ordered: false };
      }
      // The query is ours and valid: Temporal refusing the call means it refused the token.
      if (cursor) throw badToken(`${RULES.pageToken}; Temporal refused it (start again without pageToken)`);
      throw err;
    }
  }

  /** The payment's view; null when it no longer exists; `unavailable` when its query fails or no worker answers it in time. */
  async function viewOf(raw: RawExecution): Promise<{ view: PaymentView } | { unavailable: UnavailablePayment } | null> {
    const paymentId = raw.execution?.workflowId ?? '';
    const deadline = Date.now() + ITEM_QUERY_TIMEOUT_MS;
    try {
      return { view: await client.connection.withDeadline(deadline, () => client.workflow.getHandle(paymentId).query(stateQuery)) };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null; // removed (retention) since it was listed
      // Our own deadline (gRPC may fire it a few ms early): Temporal answered the list, but no
      // worker answered this payment's query.
      const timedOut = Date.now() >= deadline - DEADLINE_MARGIN_MS;
      if (!timedOut && temporalUnreachable(err) !== null) throw err; // the whole page answers 503
      const known = timedOut ? null : paymentUnavailableError(err);
      return {
        unavailable: {
          paymentId,
          merchantTransId: keyword(raw, searchAttributes.merchantTransId.name),
          product: keyword(raw, searchAttributes.product.name),
          status: keyword(raw, searchAttributes.status.name),
          createdAt: startedAt(raw),
          reason: known
            ? { code: known.code, message: known.message }
            : timedOut
              ? { code: 'QUERY_TIMED_OUT', message: `no worker answered the payment's query within ${ITEM_QUERY_TIMEOUT_MS} ms (is a worker polling its task queue?)` }
              : { code: 'QUERY_FAILED', message: quoted(err instanceof Error ? err.message : String(err), 300) },
        },
      };
    }
  }

  app.get(PAYMENT_LIST_ROUTE, async (req): Promise<PaymentListPage> => {
    const { pageSize = PAGE_SIZE.default, pageToken, ...filters } = parseListQuery(req.query);
    const cursor = pageToken === undefined ? null : decodePageToken(tokenKey, pageToken, filters);
    const { res, ordered } = await readPage(filters, pageSize, cursor);
    // One entry per payment: a run that just continued as new may still show as running.
    const seen = new Set<string>();
    const runs = (res.executions ?? []).filter((e) => {
      const id = e.execution?.workflowId;
      if (!id || seen.has(id)) return false;
      seen.add(id);
      return true;
    });
    const page: PaymentListPage = { items: [], unavailable: [], nextPageToken: null };
    for (const read of await mapBounded(runs, VIEW_CONCURRENCY, viewOf)) {
      if (read === null) continue;
      if ('unavailable' in read) page.unavailable.push(read.unavailable);
      // The status index lags the payment by a moment: the view is the truth, and a payment that
      // has already left the asked status is not listed under it.
      else if (filters.status === undefined || read.view.status === (filters.status as PaymentStatus)) page.items.push(read.view);
    }
    if (res.nextPageToken && res.nextPageToken.length > 0) page.nextPageToken = encodePageToken(tokenKey, filters, { ordered, temporal: res.nextPageToken });
    return page;
  });
}
