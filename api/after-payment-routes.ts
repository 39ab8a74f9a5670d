// POST /v1/payments/{id}/refunds and POST /v1/payments/{id}/cancel: Temporal updates with
// validators. The workflow refuses with typed failures; this maps them to the contract's codes.
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Money } from '../domain/money.js';
import { REQUEST_ERRORS, cancelUpdate, refundUpdate } from '../workflows/messages.js';
import { refundView } from '../workflows/view.js';
import { merchantKeyOf } from './auth.js';
import { ApiError } from './errors.js';

/** The refund request's body (also the OpenAPI document's RefundRequest, api/openapi.ts). */
export const RefundBody = z.object({
  refundId: z.string({ error: 'is required' }).regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -'),
  amount: Money,
  reason: z.string().max(256, 'must be at most 256 characters').optional(),
});

const STATUS_OF: Record<string, number> = {
  [REQUEST_ERRORS.currencyMismatch]: 400,
  [REQUEST_ERRORS.notRefundable]: 409,
  [REQUEST_ERRORS.exceedsRemaining]: 409,
  [REQUEST_ERRORS.refundIdConflict]: 409,
  [REQUEST_ERRORS.cancelNotAllowed]: 409,
  [REQUEST_ERRORS.cancelWindowClosed]: 409,
  [REQUEST_ERRORS.cancelRefused]: 409,
};

/** Turns the workflow's refusal (or a missing/closed payment) into the API's error. */
function refusal(err: unknown, paymentId: string): ApiError {
  if (err instanceof WorkflowNotFoundError) return new ApiError(404, 'PAYMENT_NOT_FOUND', `no payment with id ${paymentId}`);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type && STATUS_OF[err.cause.type]) {
    const code = err.cause.type === REQUEST_ERRORS.currencyMismatch ? 'VALIDATION_ERROR' : err.cause.type;
    const details = code === 'VALIDATION_ERROR' ? [{ path: 'amount.currency', message: err.cause.message }] : [];
    return new ApiError(STATUS_OF[err.cause.type], code, err.cause.message, details);
  }
  if (err instanceof Error && /already completed|workflow execution.*(completed|closed)/i.test(err.message)) {
    return new ApiError(409, 'PAYMENT_CLOSED', `payment ${paymentId} is closed: its refund window or grace period has ended`);
  }
  throw err;
}

export function afterPaymentRoutes(app: FastifyInstance, opts: { client: Client }): void {
  app.post<{ Params: { paymentId: string } }>('/v1/payments/:paymentId/refunds', async (req, reply) => {
    const body = RefundBody.safeParse(req.body);
    if (!body.success) {
      throw new ApiError(
        400,
        'VALIDATION_ERROR',
        'the refund request breaks the rules listed in details',
        body.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
      );
    }
    const { paymentId } = req.params;
    try {
      const handle = opts.client.workflow.getHandle(paymentId);
      const result = await handle.executeUpdate(refundUpdate, { args: [{ ...body.data, reason: body.data.reason ?? null, requestedBy: merchantKeyOf(req) }] });
      return reply.code(result.created ? 202 : 200).send(refundView(result.refund));
    } catch (err) {
      throw refusal(err, paymentId);
    }
  });

  app.post<{ Params: { paymentId: string } }>('/v1/payments/:paymentId/cancel', async (req, reply) => {
    const { paymentId } = req.params;
    try {
      return reply.code(200).send(await opts.client.workflow.getHandle(paymentId).executeUpdate(cancelUpdate, { args: [{ requestedBy: merchantKeyOf(req) }] }));
    } catch (err) {
      throw refusal(err, paymentId);
    }
  });
}
