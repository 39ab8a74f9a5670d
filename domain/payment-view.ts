// The payment view (DESIGN.md section 3): the answer of GET /v1/payments/{id}, of the `state`
// query, and the `data` of every published event.
import { z } from 'zod';
import { Money } from './money.js';
import { PayAction, Product, TerminalType } from '../gateway/wire.js';
import { PAYMENT_STATUSES, REFUND_STATUSES } from './statuses.js';

export const PaymentStatus = z.enum(PAYMENT_STATUSES);

const ZeroableMoney = z.object({ currency: z.string(), value: z.number().int().nonnegative() });

export const PaymentView = z.object({
  paymentId: z.string(),
  merchantTransId: z.string(),
  product: Product,
  status: PaymentStatus,
  amount: Money,
  refundedAmount: ZeroableMoney,
  payAction: PayAction.nullable(),
  /**
   * CASHIER_PAYMENT: the request's terminalType, WEB when it named none (payAction QRCODE; WAP and
   * APP get REDIRECT). null for the other products. Events published before it existed lack it
   * and read as null.
   */
  terminalType: TerminalType.nullable().default(null),
  gatewayTransId: z.string().nullable(),
  expiresAt: z.string(),
  cancelDeadline: z.string(),
  refunds: z.array(
    z.object({
      refundId: z.string(),
      amount: Money,
      status: z.enum(REFUND_STATUSES),
      reason: z.string().nullable(),
      /** The merchant API key that asked; null for refunds the service made itself. */
      requestedBy: z.string().nullable(),
      failure: z.object({ code: z.string(), message: z.string() }).nullable(),
    }),
  ),
  /** The merchant API key that asked for the cancellation, once one has. */
  cancelRequestedBy: z.string().nullable(),
  allowed: z.object({ cancel: z.boolean(), refundableAmount: ZeroableMoney }),
  failure: z.object({ code: z.string(), message: z.string() }).nullable(),
  flags: z.array(z.object({ code: z.string(), message: z.string(), at: z.string() })),
  machineState: z.string(),
  updatedAt: z.string(),
});
export type PaymentView = z.infer<typeof PaymentView>;
