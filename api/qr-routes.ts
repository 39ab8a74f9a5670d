// GET /v1/payments/{paymentId}/qr (DESIGN.md section 8): the payment's payAction as a QR image,
// SVG by default, PNG when Accept prefers image/png (domain/qr.ts preferredQrType). Reads the view
// like GET /v1/payments/{id} (same 404, same Temporal errors); 409 NO_QR_CODE without a payAction
// (PAYMENT_CODE, ENTRY_CODE, a payment whose PAY failed). Authenticated like every /v1/payments
// route (api/auth.ts: the path is under /v1/payments/).
import type { Client } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { payActionText, preferredQrType, qrImage } from '../domain/qr.js';
import { ApiError } from './errors.js';
import { readPaymentView } from './payments-routes.js';

export const QR_ROUTE = '/v1/payments/:paymentId/qr';

export function qrRoutes(app: FastifyInstance, opts: { client: Client }): void {
  app.get<{ Params: { paymentId: string } }>(QR_ROUTE, async (req, reply) => {
    const { paymentId } = req.params;
    const view = await readPaymentView(opts.client, paymentId);
    const text = payActionText(view.payAction);
    if (text === null) {
      throw new ApiError(409, 'NO_QR_CODE', `payment ${paymentId} (${view.product}, ${view.status}) has no payAction, so no QR code`);
    }
    const type = preferredQrType(req.headers.accept);
    // The image follows Accept; it is a merchant's data behind an API key: kept by no cache.
    return reply
      .code(200)
      .type(type)
      .header('cache-control', 'no-store')
      .header('vary', 'Accept')
      .header('x-content-type-options', 'nosniff')
      .send(await qrImage(text, type));
  });
}
