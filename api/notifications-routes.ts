// POST /v1/notifications/alipay-cn: the gateway's webhook. Signature first (401, nothing
// signalled), then shape (400), then the `notification` signal, then the acknowledgement the
// gateway expects. Duplicates are harmless: the machine ignores a notifyId it has seen.
// ENTRY_CODE notifications start their payment with signal-with-start.
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { verificationFailure } from '../gateway/signing.js';
import { GatewayNotification, NOTIFICATION_ACK, type Notification } from '../gateway/wire.js';
import { entryWorkflowInput, startMetadata, startSearchAttributes, type InputOptions } from './workflow-input.js';
import { TASK_QUEUE, WORKFLOW_TYPE, entryPaymentIdFor, notificationSignal, paymentIdFor } from '../workflows/messages.js';
import { ApiError } from './errors.js';
import type { Metrics } from './metrics.js';

export const NOTIFICATION_PATH = '/v1/notifications/alipay-cn';

export interface NotificationRoutesOptions extends InputOptions {
  client: Client;
  /** Where ENTRY_CODE workflows start (the workers' queue); TASK_QUEUE when absent. */
  taskQueue?: string;
  secret: string;
  metrics: Metrics;
  /** request-time must lie within this of now, either way. */
  notificationMaxAgeMs: number;
  /** Our client id at the gateway: a notification signed for another merchant is refused. */
  clientId: string;
}

export function notificationRoutes(app: FastifyInstance, opts: NotificationRoutesOptions): void {
  /** ENTRY_CODE: the notification starts the payment (signal-with-start); duplicates only signal it. */
  async function startEntryPayment(n: Notification): Promise<void> {
    const input = entryWorkflowInput(n, { ...opts, at: Date.now() });
    await opts.client.workflow.signalWithStart(WORKFLOW_TYPE, {
      workflowId: input.machine.paymentId,
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      args: [input],
      signal: notificationSignal,
      signalArgs: [n],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: startSearchAttributes(input),
      ...startMetadata(input),
    });
  }

  app.post(NOTIFICATION_PATH, async (req, reply) => {
    const raw = (req as { rawBody?: string }).rawBody ?? '';
    const failure = verificationFailure({
      secret: opts.secret,
      method: 'POST',
      path: NOTIFICATION_PATH,
      body: raw,
      headers: req.headers,
      freshness: { now: Date.now(), maxAgeMs: opts.notificationMaxAgeMs },
      clientId: opts.clientId,
    });
    if (failure) {
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'bad_signature' });
      req.log.warn({ reason: failure }, 'notification refused');
      throw new ApiError(401, 'INVALID_SIGNATURE', `the notification is refused: ${failure}`);
    }
    const parsed = GatewayNotification.safeParse(req.body);
    if (!parsed.success) {
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'malformed' });
      throw new ApiError(
        400,
        'VALIDATION_ERROR',
        'the notification is malformed',
        parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message })),
      );
    }
    const n = parsed.data;
    try {
      if (n.notifyType === 'PAYMENT_RESULT' && n.product === 'ENTRY_CODE') await startEntryPayment(n);
      else {
        const paymentId = n.product === 'ENTRY_CODE' ? entryPaymentIdFor(n.gatewayTransId) : paymentIdFor(n.merchantTransId);
        await opts.client.workflow.getHandle(paymentId).signal(notificationSignal, n);
      }
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'signalled' });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) {
        // An entry-code payment whose workflow has already closed: it was settled long ago.
        opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'closed_payment' });
        return reply.code(200).send(NOTIFICATION_ACK);
      }
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // No payment of ours has this id (or it closed long ago): retrying would not change that.
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'unknown_payment' });
      req.log.warn({ merchantTransId: n.merchantTransId }, 'notification for a payment this service does not hold');
    }
    return reply.code(200).send(NOTIFICATION_ACK);
  });
}
