// The one error shape of the HTTP API (DESIGN.md section 3).
import type { FastifyReply } from 'fastify';
import type { FieldError } from '../domain/payment-request.js';

export interface ApiErrorBody {
  error: { code: string; message: string; details: FieldError[] };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: FieldError[] = [],
    /** Response headers that belong to the error (WWW-Authenticate, Retry-After). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
  body(): ApiErrorBody {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const sendError = (reply: FastifyReply, err: ApiError) => reply.code(err.status).headers(err.headers).send(err.body());

/** A value from the request, shortened for an error message (ids and URLs can be kilobytes long). */
export const quoted = (value: string, max = 100) => (value.length > max ? `${value.slice(0, max)}…` : value);
