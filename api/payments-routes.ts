// POST /v1/payments (update-with-start: one round trip to the payAction) and GET /v1/payments/{id}.
import {
  WithStartWorkflowOperation,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { FastifyInstance } from 'fastify';
import { validatePaymentRequest } from '../domain/payment-request.js';
import type { PaymentView } from '../domain/payment-view.js';
import {
  IDEMPOTENCY_CONFLICT,
  TASK_QUEUE,
  WORKFLOW_TYPE,
  payUpdate,
  paymentIdFor,
  stateQuery,
} from '../workflows/messages.js';
import { ApiError } from './errors.js';
import type { Metrics } from './metrics.js';
import { startMetadata, startSearchAttributes, workflowInput, type InputOptions } from './workflow-input.js';

export interface PaymentRoutesOptions extends InputOptions {
  client: Client;
  /** Where the workflows run (the workers' queue); TASK_QUEUE when absent. */
  taskQueue?: string;
  now?: () => number;
  /** Counts the payments a POST started (alipay_cn_payments_created_total). */
  metrics?: Metrics;
}

export function paymentRoutes(app: FastifyInstance, opts: PaymentRoutesOptions): void {
  const now = opts.now ?? Date.now;

  app.post('/v1/payments', async (req, reply) => {
    const at = now();
    const checked = validatePaymentRequest(req.body, at, opts.timeZone);
    if (!checked.ok) throw new ApiError(400, 'VALIDATION_ERROR', 'the payment request breaks the rules listed in details', checked.errors);
    const request = checked.value;
    const paymentId = paymentIdFor(request.merchantTransId);
    const input = workflowInput(request, { ...opts, at, expiresAt: checked.expiresAt });
    const start = new WithStartWorkflowOperation(WORKFLOW_TYPE, {
      workflowId: paymentId,
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { fingerprint: input.fingerprint },
      typedSearchAttributes: startSearchAttributes(input),
      ...startMetadata(input),
    });
    try {
      const result = await opts.client.workflow.executeUpdateWithStart(payUpdate, {
        args: [{ fingerprint: input.fingerprint }],
        startWorkflowOperation: start,
      });
      if (result.view.failure?.code === 'UPSTREAM_UNAVAILABLE') {
        throw new ApiError(502, 'UPSTREAM_UNAVAILABLE', `the gateway could not be reached and no payment was created: ${result.view.failure.message}`);
      }
      if (result.created) opts.metrics?.paymentCreated(request.product);
      return reply.code(result.created ? 201 : 200).send(result.view);
    } catch (err) {
      if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure && err.cause.type === IDEMPOTENCY_CONFLICT) {
        throw conflict(err.cause.message);
      }
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // The payment's workflow has already closed: answer from its record.
        const handle = opts.client.workflow.getHandle(paymentId);
        const described = await handle.describe();
        if ((described.memo as { fingerprint?: string } | undefined)?.fingerprint !== input.fingerprint) {
          throw conflict(`merchantTransId ${request.merchantTransId} was already used for a payment with a different body`);
        }
        return reply.code(200).send(await handle.query(stateQuery));
      }
      throw err;
    }
  });

  app.get<{ Params: { paymentId: string } }>('/v1/payments/:paymentId', async (req) => readPaymentView(opts.client, req.params.paymentId));
}

/** The payment's view, as its workflow answers it; 404 PAYMENT_NOT_FOUND when there is no such payment. */
export async function readPaymentView(client: Client, paymentId: string): Promise<PaymentView> {
  try {
    return await client.workflow.getHandle(paymentId).query(stateQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new ApiError(404, 'PAYMENT_NOT_FOUND', `no payment with id ${paymentId}`);
    throw err;
  }
}

const conflict = (message: string) => new ApiError(409, 'IDEMPOTENCY_CONFLICT', message);

export type { PaymentView };
