// The merchant-side client of the acquiring gateway: signs each request, verifies each answer's
// signature and shape, and turns transport failures into typed errors.
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
}

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET_BEFORE_SEND']);

export class GatewayClient {
  constructor(private readonly opts: GatewayClientOptions) {}

  pay(req: PayRequest): Promise<PayResponse> {
    return this.call(API_PATHS.pay, req, PayResponse);
  }

  detail(merchantTransId: string): Promise<DetailResponse> {
    return this.call(API_PATHS.detail, { merchantTransId }, DetailResponse);
  }

  cancel(merchantTransId: string): Promise<CancelResponse> {
    return this.call(API_PATHS.cancel, { merchantTransId }, CancelResponse);
  }

  /** REFUND: idempotent on req.refundRequestId, so an unknown outcome is retried with the same id. */
  refund(req: RefundRequest): Promise<RefundResponse> {
    return this.call(API_PATHS.refund, req, RefundResponse);
  }

  /** REFUND DETAIL: the refund's current status; F REFUND_NOT_EXIST when the gateway never took it. */
  refundDetail(refundRequestId: string): Promise<RefundDetailResponse> {
    return this.call(API_PATHS.refundDetail, { refundRequestId }, RefundDetailResponse);
  }

  private async call<S extends z.ZodType>(path: string, payload: unknown, schema: S): Promise<z.infer<S>> {
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
      throw new GatewayUnknownOutcomeError(`no answer from gateway at ${path}: ${(err as Error).message}`);
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
