// The merchant-side client of the acquiring gateway: signs each request, verifies each answer's
// signature and shape, and turns transport failures into typed errors.
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { z } from 'zod';
import { sign, verify } from './signing.js';
import { GatewayRejectedError, GatewayUnknownOutcomeError, GatewayUnreachableError } from './errors.js';
import {
  API_PATHS,
  CancelResponse,
  DetailResponse,
  PayResponse,
  RefundDetailResponse,
  RefundResponse,
  type PayRequest,
  type RefundRequest,
} from './wire.js';

export interface GatewayClientOptions {
  baseUrl: string;
  clientId: string;
  secret: string;
  timeoutMs: number;
  /** Told of every call once it ends: which API, how, and how long it took (the worker's latency histogram and log). */
  onCall?: (call: GatewayCall) => void;
  /** A client span per call (`gateway PAY` ...), in the activity's trace; none when absent. */
  tracer?: Tracer;
}

/** A gateway API by its name in API_PATHS. */
export type GatewayApi = keyof typeof API_PATHS;

/**
 * How a call ended: the answer's resultStatus (S, F, U) when a verified answer came; `rejected` a
 * 4xx; `timeout` no answer within timeoutMs; `unreachable` nothing reached the gateway; `error` any
 * other failure (a 5xx, a dropped connection, an answer failing its signature check or its schema).
 */
export type GatewayOutcome = 'S' | 'F' | 'U' | 'rejected' | 'timeout' | 'unreachable' | 'error';

export interface GatewayCall {
  api: GatewayApi;
  outcome: GatewayOutcome;
  seconds: number;
  /** Which order or refund it was about: the merchantTransId, or the refundRequestId (REFUND, REFUND DETAIL). */
  ref: { merchantTransId: string } | { refundRequestId: string };
}

/** The APIs as the gateway's documentation names them (span names). */
const API_NAMES: Record<GatewayApi, string> = { pay: 'PAY', detail: 'DETAIL', cancel: 'CANCEL', refund: 'REFUND', refundDetail: 'REFUND DETAIL' };

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET_BEFORE_SEND']);

function outcomeOf(err: unknown): GatewayOutcome {
  if (err instanceof GatewayRejectedError) return 'rejected';
  if (err instanceof GatewayUnreachableError) return 'unreachable';
  if (err instanceof GatewayUnknownOutcomeError && err.timedOut) return 'timeout';
  return 'error';
}

export class GatewayClient {
  constructor(private readonly opts: GatewayClientOptions) {}

  pay(req: PayRequest): Promise<PayResponse> {
    return this.call('pay', req, PayResponse, { merchantTransId: req.merchantTransId });
  }

  detail(merchantTransId: string): Promise<DetailResponse> {
    return this.call('detail', { merchantTransId }, DetailResponse, { merchantTransId });
  }

  cancel(merchantTransId: string): Promise<CancelResponse> {
    return this.call('cancel', { merchantTransId }, CancelResponse, { merchantTransId });
  }

  /** REFUND: idempotent on req.refundRequestId, so an unknown outcome is retried with the same id. */
  refund(req: RefundRequest): Promise<RefundResponse> {
    return this.call('refund', req, RefundResponse, { refundRequestId: req.refundRequestId });
  }

  /** REFUND DETAIL: the refund's current status; F REFUND_NOT_EXIST when the gateway never took it. */
  refundDetail(refundRequestId: string): Promise<RefundDetailResponse> {
    return this.call('refundDetail', { refundRequestId }, RefundDetailResponse, { refundRequestId });
  }

  /** Every call passes here: traced, timed, and its outcome told to onCall (never failing the call itself). */
  private async call<S extends z.ZodType<{ result: { resultStatus: 'S' | 'F' | 'U' } }>>(api: GatewayApi, payload: unknown, schema: S, ref: GatewayCall['ref']): Promise<z.infer<S>> {
    const span = this.opts.tracer?.startSpan(`gateway ${API_NAMES[api]}`, { kind: SpanKind.CLIENT, attributes: { 'gateway.api': API_NAMES[api], ...ref } });
    const started = performance.now();
    let outcome: GatewayOutcome = 'error';
    try {
      const answer = await this.send(API_PATHS[api], payload, schema);
      outcome = answer.result.resultStatus;
      return answer;
    } catch (err) {
      outcome = outcomeOf(err);
      throw err;
    } finally {
      if (span) {
        span.setAttribute('gateway.outcome', outcome);
        if (outcome !== 'S' && outcome !== 'F') span.setStatus({ code: SpanStatusCode.ERROR, message: outcome });
        span.end();
      }
      try {
        this.opts.onCall?.({ api, outcome, seconds: (performance.now() - started) / 1000, ref });
      } catch {
        /* a metric or a log line must never fail a payment's call */
      }
    }
  }

  private async send<S extends z.ZodType>(path: string, payload: unknown, schema: S): Promise<z.infer<S>> {
    const body = JSON.stringify(payload);
    const headers = sign({ secret: this.opts.secret, clientId: this.opts.clientId, method: 'POST', path, body });
    let res: Response;
    try {
      res = await fetch(new URL(path, this.opts.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code && CONNECT_ERRORS.has(code)) throw new GatewayUnreachableError(`gateway unreachable at ${path}: ${code}`);
      throw new GatewayUnknownOutcomeError(`no answer from gateway at ${path}: ${(err as Error).message}`, (err as Error).name === 'TimeoutError');
    }
    const text = await res.text().catch(() => '');
    if (res.status >= 500) throw new GatewayUnknownOutcomeError(`gateway answered ${res.status} at ${path}`);
    if (res.status >= 400) {
      let code: string | undefined;
      try {
        code = JSON.parse(text)?.result?.resultCode;
      } catch {
        /* not JSON: the status says enough */
      }
      throw new GatewayRejectedError(`gateway refused ${path} with ${res.status} ${code ?? ''}`.trim(), res.status, code);
    }
    const responseHeaders = Object.fromEntries(res.headers.entries());
    if (!verify({ secret: this.opts.secret, method: 'POST', path, body: text, headers: { ...responseHeaders, 'request-time': responseHeaders['response-time'] } })) {
      throw new GatewayUnknownOutcomeError(`answer from gateway at ${path} failed its signature check`);
    }
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new GatewayUnknownOutcomeError(`answer from gateway at ${path} is malformed: ${parsed.error.message}`);
    return parsed.data;
  }
}
