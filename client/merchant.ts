// A small, dependency-free typed client for the merchant HTTP API (docs/openapi.json). It uses
// only `fetch` and erased type imports, so it runs wherever Node 20's fetch does.
//
// Safe retries: network errors, 429 (honouring Retry-After) and 503 TEMPORAL_UNAVAILABLE are
// retried with exponential backoff, up to `retries` times. That is safe for every call: a create
// reuses its merchantTransId (the idempotency key: the same body answers the same payment), a
// refund reuses its refundId, cancel is idempotent and GETs change nothing. No other 4xx (and no
// other 5xx) is retried: the error is thrown as a PaymentApiError.
import type { z } from 'zod';
import type { PaymentRequestShape } from '../domain/payment-request.js';
import type { PaymentView } from '../domain/payment-view.js';
import type { PaymentStatus } from '../domain/statuses.js';
import type { Product } from '../gateway/wire.js';
import type { PaymentListPage, UnavailablePayment } from '../api/payment-list-routes.js';

export type { PaymentView, PaymentListPage, UnavailablePayment, PaymentStatus, Product };

/** The body of POST /v1/payments, as the API accepts it. */
export type CreatePaymentRequest = z.input<typeof PaymentRequestShape>;
/** One refund of a payment (the answer of POST /v1/payments/{id}/refunds). */
export type Refund = PaymentView['refunds'][number];
export interface Money {
  currency: string;
  value: number;
}
export interface RefundRequest {
  /** The merchant's refund id, unique per payment: the refund's idempotency key. */
  refundId: string;
  amount: Money;
  reason?: string;
}
/** GET /v1/payments query (every field optional; createdFrom/createdTo are ISO 8601 with offset). */
export interface PaymentListQuery {
  status?: PaymentStatus;
  product?: Product;
  merchantTransId?: string;
  createdFrom?: string | Date;
  createdTo?: string | Date;
  pageSize?: number;
  pageToken?: string;
}
export interface FieldError {
  path: string;
  message: string;
}

/** An error answer of the API (`{error:{code,message,details}}`), or a network failure (status 0). */
export class PaymentApiError extends Error {
  override name = 'PaymentApiError';
  constructor(
    /** The HTTP status; 0 when no answer came (network error after every retry). */
    readonly status: number,
    /** The contract's error code (VALIDATION_ERROR, PAYMENT_NOT_FOUND, ...); HTTP_<status> or NETWORK_ERROR otherwise. */
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface MerchantClientOptions {
  /** The API's base URL, e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** The merchant API key's secret (sent as a Bearer token). */
  apiKey: string;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  /** How many times a retryable failure is retried (default 3; 0 disables retries). */
  retries?: number;
  /** The first backoff delay in ms (default 200), doubled each attempt, capped at maxBackoffMs. */
  backoffMs?: number;
  /** The longest wait between attempts, Retry-After included (default 10 000 ms). */
  maxBackoffMs?: number;
}

type Answer = { status: number; headers: Headers; body: ArrayBuffer };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class MerchantClient {
  private readonly baseUrl: string;
  private readonly apiKey: string;
  private readonly fetchImpl: typeof fetch;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;

  constructor(opts: MerchantClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.apiKey = opts.apiKey;
    this.fetchImpl = opts.fetch ?? ((...args) => globalThis.fetch(...args));
    this.retries = Math.max(0, opts.retries ?? 3);
    this.backoffMs = opts.backoffMs ?? 200;
    this.maxBackoffMs = opts.maxBackoffMs ?? 10_000;
  }

  /** POST /v1/payments: creates the payment, or answers the existing one for the same merchantTransId and body. */
  createPayment(body: CreatePaymentRequest): Promise<PaymentView> {
    return this.json('POST', '/v1/payments', body);
  }

  /** GET /v1/payments/{paymentId} */
  getPayment(paymentId: string): Promise<PaymentView> {
    return this.json('GET', paymentPath(paymentId));
  }

  /** GET /v1/payments: one page, newest first. */
  listPayments(query: PaymentListQuery = {}): Promise<PaymentListPage> {
    return this.json('GET', `/v1/payments${queryString(query)}`);
  }

  /** Every page of the list, following nextPageToken from `query.pageToken` (or the first page). */
  async *pages(query: PaymentListQuery = {}): AsyncGenerator<PaymentListPage> {
    let pageToken = query.pageToken;
    do {
      const page = await this.listPayments({ ...query, pageToken });
      yield page;
      pageToken = page.nextPageToken ?? undefined;
    } while (pageToken);
  }

  /** Every listed payment view across all pages (payments listed as `unavailable` are skipped; use pages() to see them). */
  async *allPayments(query: PaymentListQuery = {}): AsyncGenerator<PaymentView> {
    for await (const page of this.pages(query)) yield* page.items;
  }

  /** POST /v1/payments/{paymentId}/refunds: the refund (PENDING when new, as it is now when repeated). */
  refund(paymentId: string, request: RefundRequest): Promise<Refund> {
    return this.json('POST', `${paymentPath(paymentId)}/refunds`, request);
  }

  /**
   * POST /v1/payments/{paymentId}/cancel: the payment's view after the cancellation was accepted.
   * The API answers a second cancel with 409 CANCEL_NOT_ALLOWED; when that answers a *retried*
   * cancel (the first attempt may have landed and its answer been lost), the payment is read and,
   * if it is CANCELLED, its view is the answer.
   */
  async cancel(paymentId: string): Promise<PaymentView> {
    const trace = { retried: false };
    try {
      return await this.json<PaymentView>('POST', `${paymentPath(paymentId)}/cancel`, undefined, trace);
    } catch (err) {
      if (trace.retried && err instanceof PaymentApiError && err.code === 'CANCEL_NOT_ALLOWED') {
        const view = await this.getPayment(paymentId);
        if (view.status === 'CANCELLED') return view;
      }
      throw err;
    }
  }

  /** GET /v1/payments/{paymentId}/qr: the payment's QR code as SVG text or PNG bytes. */
  qr(paymentId: string, format?: 'svg'): Promise<string>;
  qr(paymentId: string, format: 'png'): Promise<Uint8Array>;
  async qr(paymentId: string, format: 'svg' | 'png' = 'svg'): Promise<string | Uint8Array> {
    const accept = format === 'png' ? 'image/png' : 'image/svg+xml';
    const answer = await this.send('GET', `${paymentPath(paymentId)}/qr`, undefined, accept);
    return format === 'png' ? new Uint8Array(answer.body) : new TextDecoder().decode(answer.body);
  }

  private async json<T>(method: string, path: string, body?: unknown, trace?: { retried: boolean }): Promise<T> {
    const answer = await this.send(method, path, body, 'application/json', trace);
    return JSON.parse(new TextDecoder().decode(answer.body)) as T;
  }

  /** One request with the safe retries; a 2xx answer, else a PaymentApiError. */
  private async send(method: string, path: string, body: unknown, accept: string, trace?: { retried: boolean }): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}`, accept };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const init: RequestInit = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    for (let attempt = 0; ; attempt++) {
      if (trace && attempt > 0) trace.retried = true;
      let answer: Answer;
      try {
        const res = await this.fetchImpl(`${this.baseUrl}${path}`, init);
        answer = { status: res.status, headers: res.headers, body: await res.arrayBuffer() };
      } catch (err) {
        if (attempt < this.retries) {
          await sleep(this.backoff(attempt));
          continue;
        }
        throw new PaymentApiError(0, 'NETWORK_ERROR', `${method} ${path}: no answer from ${this.baseUrl}: ${(err as Error).message}`, [], { cause: err });
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const error = toError(method, path, answer);
      const retryable = error.status === 429 || (error.status === 503 && error.code === 'TEMPORAL_UNAVAILABLE');
      if (!retryable || attempt >= this.retries) throw error;
      await sleep(this.backoff(attempt, answer.headers.get('retry-after')));
    }
  }

  /** Exponential backoff with jitter; Retry-After (seconds or an HTTP date) when the server sent one. */
  private backoff(attempt: number, retryAfter?: string | null): number {
    if (retryAfter) {
      const seconds = Number(retryAfter);
      const ms = Number.isFinite(seconds) ? seconds * 1000 : Date.parse(retryAfter) - Date.now();
      if (Number.isFinite(ms)) return Math.min(this.maxBackoffMs, Math.max(0, ms));
    }
    const base = Math.min(this.maxBackoffMs, this.backoffMs * 2 ** attempt);
    return base / 2 + Math.random() * (base / 2);
  }
}

const paymentPath = (paymentId: string) => `/v1/payments/${encodeURIComponent(paymentId)}`;

function queryString(query: PaymentListQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function toError(method: string, path: string, answer: Answer): PaymentApiError {
  const text = new TextDecoder().decode(answer.body);
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    const e = parsed?.error;
    if (e && typeof e.code === 'string') {
      return new PaymentApiError(answer.status, e.code, typeof e.message === 'string' ? e.message : e.code, Array.isArray(e.details) ? (e.details as FieldError[]) : []);
    }
  } catch {
    // not the contract's error shape: described below
  }
  return new PaymentApiError(answer.status, `HTTP_${answer.status}`, `${method} ${path} answered ${answer.status}: ${text.slice(0, 200)}`);
}
