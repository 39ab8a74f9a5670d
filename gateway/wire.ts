// The gateway's wire format (zod schemas), shared by the gateway client, the webhook receiver and
// the sandbox. Field names follow the seed (ALIPAY_CN.txt); results use the S/F/U convention:
// S = succeeded, F = failed for good, U = unknown, ask DETAIL.
import { z } from 'zod';
import { Money } from '../domain/money.js';

export const PRODUCTS = ['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'] as const;
export const Product = z.enum(PRODUCTS);
export type Product = z.infer<typeof Product>;

/**
 * Where the shopper pays a CASHIER_PAYMENT: WEB (desktop browser, the default: payAction QRCODE
 * to scan), WAP (mobile browser) or APP (the merchant's app): payAction REDIRECT, a link that
 * opens the wallet app when it is installed, else the cashier page.
 */
export const TERMINAL_TYPES = ['WEB', 'WAP', 'APP'] as const;
export const TerminalType = z.enum(TERMINAL_TYPES, { error: `must be one of ${TERMINAL_TYPES.join(', ')}` });
export type TerminalType = z.infer<typeof TerminalType>;

export const API_PATHS = {
  pay: '/v1/payments/pay',
  detail: '/v1/payments/inquiryPayment',
  cancel: '/v1/payments/cancel',
  refund: '/v1/payments/refund',
  refundDetail: '/v1/payments/inquiryRefund',
} as const;

export const Result = z.object({
  resultStatus: z.enum(['S', 'F', 'U']),
  resultCode: z.string(),
  resultMessage: z.string(),
});
export type Result = z.infer<typeof Result>;

export const PayAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('QRCODE'), redirectUrl: z.string() }),
  z.object({ type: z.literal('REDIRECT'), url: z.string() }),
]);
export type PayAction = z.infer<typeof PayAction>;

/** Status of the money movement upstream. CLOSED: expired or closed unpaid; CANCELLED: reversed. */
export const TransStatus = z.enum(['PENDING', 'SUCCESS', 'FAIL', 'CLOSED', 'CANCELLED']);
export type TransStatus = z.infer<typeof TransStatus>;

export const PayRequest = z.object({
  merchantTransId: z.string(),
  paymentMethod: z.string(),
  product: z.string(),
  amount: Money,
  expireAt: z.string().optional(),
  payCodeValue: z.string().optional(),
  /** CASHIER_PAYMENT only; absent means WEB. */
  terminalType: TerminalType.optional(),
  goods: z.object({ description: z.string() }),
  riskData: z.object({ Device: z.object({ os: z.string() }) }).optional(),
  returnUrl: z.string().optional(),
  notifyUrl: z.string(),
});
export type PayRequest = z.infer<typeof PayRequest>;

export const PayResponse = z.object({
  result: Result,
  data: z
    .object({
      merchantTransId: z.string(),
      gatewayTransId: z.string(),
      status: TransStatus,
      payAction: PayAction.nullable(),
      /** When the money was taken (ISO 8601), once it was. */
      paidAt: z.string().optional(),
    })
    .optional(),
});
export type PayResponse = z.infer<typeof PayResponse>;

export const DetailRequest = z.object({ merchantTransId: z.string() });
export const DetailResponse = z.object({
  result: Result,
  data: z
    .object({
      merchantTransId: z.string(),
      gatewayTransId: z.string(),
      product: Product,
      status: TransStatus,
      amount: Money,
      payAction: PayAction.nullable(),
      /** When the money was taken (ISO 8601), once it was. */
      paidAt: z.string().optional(),
    })
    .optional(),
});
export type DetailResponse = z.infer<typeof DetailResponse>;

export const CancelRequest = z.object({ merchantTransId: z.string() });
export const CancelResponse = z.object({
  result: Result,
  data: z.object({ merchantTransId: z.string(), gatewayTransId: z.string(), status: TransStatus }).optional(),
});
export type CancelResponse = z.infer<typeof CancelResponse>;

/** NOTIFICATION: the gateway's webhook body, retried until acknowledged with NOTIFICATION_ACK. */
export const Notification = z.object({
  notifyId: z.string().min(1),
  notifyType: z.literal('PAYMENT_RESULT'),
  merchantTransId: z.string().min(1),
  gatewayTransId: z.string().min(1),
  product: Product,
  status: z.enum(['SUCCESS', 'FAIL']),
  amount: Money,
  paidAt: z.string().optional(),
  codeId: z.string().optional(),
});
export type Notification = z.infer<typeof Notification>;

/**
 * REFUND: a partial or full refund of a SUCCESS payment; any number of them, their total never
 * above the paid amount. Idempotent on refundRequestId. Answered S with data.status PENDING; the
 * refund settles later (SUCCESS or FAIL): online products (CASHIER_PAYMENT) get a REFUND_RESULT
 * notification, in-store products (ORDER_CODE, PAYMENT_CODE, ENTRY_CODE) must ask REFUND DETAIL.
 */
export const REFUND_REQUEST_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const RefundRequest = z.object({
  merchantTransId: z.string(),
  refundRequestId: z.string().regex(REFUND_REQUEST_ID_PATTERN, 'must be 1 to 64 of [A-Za-z0-9_-]'),
  refundAmount: Money,
  reason: z.string().optional(),
  /** Where the REFUND_RESULT notification goes (online products only); defaults to the payment's notifyUrl. */
  notifyUrl: z.string().optional(),
});
export type RefundRequest = z.infer<typeof RefundRequest>;

export const RefundStatus = z.enum(['PENDING', 'SUCCESS', 'FAIL']);
export type RefundStatus = z.infer<typeof RefundStatus>;

export const RefundData = z.object({
  merchantTransId: z.string(),
  refundRequestId: z.string(),
  gatewayRefundId: z.string(),
  status: RefundStatus,
  refundAmount: Money,
});
export type RefundData = z.infer<typeof RefundData>;

export const RefundResponse = z.object({ result: Result, data: RefundData.optional() });
export type RefundResponse = z.infer<typeof RefundResponse>;

/** REFUND DETAIL: a refund's current status by its refundRequestId. */
export const RefundDetailRequest = z.object({ refundRequestId: z.string() });
export type RefundDetailRequest = z.infer<typeof RefundDetailRequest>;
export const RefundDetailResponse = RefundResponse;
export type RefundDetailResponse = z.infer<typeof RefundDetailResponse>;

/** NOTIFICATION of a refund's final result; sent for online (CASHIER_PAYMENT) payments only. */
export const RefundNotification = z.object({
  notifyId: z.string().min(1),
  notifyType: z.literal('REFUND_RESULT'),
  merchantTransId: z.string().min(1),
  gatewayTransId: z.string().min(1),
  refundRequestId: z.string().min(1),
  gatewayRefundId: z.string().min(1),
  product: Product,
  status: z.enum(['SUCCESS', 'FAIL']),
  refundAmount: Money,
});
export type RefundNotification = z.infer<typeof RefundNotification>;

/** Every webhook body the gateway sends, told apart by notifyType. */
export const GatewayNotification = z.discriminatedUnion('notifyType', [Notification, RefundNotification]);
export type GatewayNotification = z.infer<typeof GatewayNotification>;

export const NOTIFICATION_ACK = { result: { resultStatus: 'S', resultCode: 'SUCCESS', resultMessage: 'success' } } as const;

export const RESULT_CODES = {
  success: 'SUCCESS',
  processing: 'PAYMENT_IN_PROCESS',
  unknown: 'UNKNOWN_EXCEPTION',
  paramIllegal: 'PARAM_ILLEGAL',
  signatureInvalid: 'INVALID_SIGNATURE',
  orderNotExist: 'ORDER_NOT_EXIST',
  repeatInconsistent: 'REPEAT_REQ_INCONSISTENT',
  orderClosed: 'ORDER_IS_CLOSED',
  cancelWindowExceeded: 'CANCEL_WINDOW_EXCEED',
  notAllowed: 'ORDER_STATUS_INVALID',
  refundAmountExceed: 'REFUND_AMOUNT_EXCEED',
  refundNotExist: 'REFUND_NOT_EXIST',
  refundWindowExceeded: 'REFUND_WINDOW_EXCEED',
} as const;
