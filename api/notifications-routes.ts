// POST /v1/notifications/alipay-cn: the gateway's webhook. Signature first (401, nothing
// signalled), then shape (400), then the `notification` signal, then the acknowledgement the
// gateway expects. Duplicates are harmless: the machine ignores a notifyId it has seen.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { verify } from '../gateway/signing.js';
import { NOTIFICATION_ACK, Notification } from '../gateway/wire.js';
import { notificationSignal, paymentIdFor } from '../workflows/messages.js';
import { ApiError } from './errors.js';
import type { Metrics } from './metrics.js';

export const NOTIFICATION_PATH = '/v1/notifications/alipay-cn';

export function notificationRoutes(app: FastifyInstance, opts: { client: Client; secret: string; metrics: Metrics }): void {
  app.post(NOTIFICATION_PATH, async (req, reply) => {
    const raw = (req as { rawBody?: string }).rawBody ?? '';
    if (!verify({ secret: opts.secret, method: 'POST', path: NOTIFICATION_PATH, body: raw, headers: req.headers })) {
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'bad_signature' });
      req.log.warn('notification refused: signature missing or invalid');
      throw new ApiError(401, 'INVALID_SIGNATURE', 'the notification signature is missing or does not verify');
    }
    const parsed = Notification.safeParse(req.body);
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
    if (n.product === 'ENTRY_CODE') {
      // Entry-code payments start from their notification (signal-with-start): not built yet, so
      // refuse without acknowledging; the gateway keeps retrying and nothing is lost.
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'entry_code_unsupported' });
      throw new ApiError(501, 'NOT_IMPLEMENTED', 'ENTRY_CODE notifications are not handled yet');
    }
    try {
      await opts.client.workflow.getHandle(paymentIdFor(n.merchantTransId)).signal(notificationSignal, n);
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'signalled' });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // No payment of ours has this id (or it closed long ago): retrying would not change that.
      opts.metrics.inc('alipay_cn_notifications_total', { outcome: 'unknown_payment' });
      req.log.warn({ merchantTransId: n.merchantTransId }, 'notification for a payment this service does not hold');
    }
    return reply.code(200).send(NOTIFICATION_ACK);
  });
}
