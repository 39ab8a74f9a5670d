// POST /v1/payments: the merchant's request, validated by the seed's PAY field rules
// (ALIPAY_CN.txt, "Initiate a payment"). Every failing field is reported, each with its rule.
import { z } from 'zod';
import { Money } from './money.js';
import { parseGatewayTime } from './gateway-time.js';
import { TerminalType } from '../gateway/wire.js';

export const MAX_EXPIRY_MS = 72 * 3600 * 1000;
/** ALIPAY_CN payment codes: 18 digits starting 25-30 (the wallet's user-presented code). */
export const PAY_CODE_PATTERN = /^(2[5-9]|30)\d{16}$/;

/** merchantTransId: the merchant's idempotency key, and the tail of the payment id. */
export const MERCHANT_TRANS_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/**
 * A payment id as the service makes them (workflows/messages.ts): `alipay-cn:<merchantTransId>`,
 * or `alipay-cn:entry:<gatewayTransId>` for ENTRY_CODE (gateway ids: 1 to 128 of A-Z a-z 0-9 _ . -).
 * Anything else names no payment, so the API answers 404 without asking Temporal.
 */
export const PAYMENT_ID_PATTERN = /^alipay-cn:(?:entry:[A-Za-z0-9_.-]{1,128}|[A-Za-z0-9_-]{1,64})$/;
export const isPaymentId = (id: unknown): id is string => typeof id === 'string' && PAYMENT_ID_PATTERN.test(id);

/** returnUrl: where the shopper goes back to; only web schemes (no javascript:, data:, file: ...). */
const WEB_SCHEMES = new Set(['https:', 'http:']);
const isWebUrl = (value: string) => {
  try {
    // Spelled out in full too: "http:foo" parses as http://foo/, but is not what anyone meant.
    return WEB_SCHEMES.has(new URL(value).protocol) && /^https?:\/\//i.test(value);
  } catch {
    return false;
  }
};

const nonEmpty = (rule: string) => z.string({ error: rule }).trim().min(1, rule);

export const PaymentRequestShape = z.object({
  merchantTransId: z
    .string({ error: 'is required' })
    .regex(MERCHANT_TRANS_ID_PATTERN, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ or -'),
  paymentMethod: z.literal('ALIPAY_CN', { error: 'must be "ALIPAY_CN"' }),
  product: z.enum(['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'], {
    error: 'must be one of CASHIER_PAYMENT, ORDER_CODE, PAYMENT_CODE',
  }),
  amount: Money,
  expireAt: z.string({ error: 'must be a string "yyyy-mm-dd hh:mm:ss"' }).optional(),
  payCodeValue: z.string({ error: 'must be a string of digits' }).optional(),
  /** CASHIER_PAYMENT only: WEB (the default) answers payAction QRCODE, WAP and APP answer REDIRECT. */
  terminalType: TerminalType.optional(),
  goods: z.object(
    { description: nonEmpty('is required when paymentMethod is ALIPAY_CN') },
    { error: 'is required: goods.description is required when paymentMethod is ALIPAY_CN' },
  ),
  riskData: z.object(
    {
      device: z.object(
        { os: nonEmpty('is required when the product is CASHIER_PAYMENT, ORDER_CODE or PAYMENT_CODE') },
        { error: 'is required: riskData.device.os is required for this product' },
      ),
    },
    { error: 'is required: riskData.device.os is required for this product' },
  ),
  returnUrl: z
    .url({ error: 'must be an absolute URL' })
    // Only when it is a URL at all, so a non-URL gets the one message above.
    .refine((u) => !URL.canParse(u) || isWebUrl(u), 'must be an https: or http: URL')
    .optional(),
});
export type PaymentRequest = z.infer<typeof PaymentRequestShape>;

export interface FieldError {
  path: string;
  message: string;
}

/** Validates a request against the seed's rules at instant `now` in the gateway's time zone. */
export function validatePaymentRequest(
  body: unknown,
  now: number,
  timeZone: string,
): { ok: true; value: PaymentRequest; expiresAt: number | null } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const parsed = PaymentRequestShape.safeParse(body);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      errors.push({ path: issue.path.join('.') || '(body)', message: issue.message });
    }
  }
  const raw = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  if (raw.product === 'ENTRY_CODE') {
    errors.push({
      path: 'product',
      message: 'ENTRY_CODE payments are started by the shopper scanning the static entry code; the gateway notification creates them, not POST /v1/payments',
    });
  }
  const isPaymentCode = raw.product === 'PAYMENT_CODE';
  if (isPaymentCode && (raw.payCodeValue === undefined || raw.payCodeValue === '')) {
    errors.push({ path: 'payCodeValue', message: 'is required when the product is PAYMENT_CODE' });
  } else if (isPaymentCode && typeof raw.payCodeValue === 'string' && !PAY_CODE_PATTERN.test(raw.payCodeValue)) {
    errors.push({ path: 'payCodeValue', message: 'must be the 18-digit ALIPAY_CN payment code (starting 25 to 30)' });
  } else if (!isPaymentCode && raw.payCodeValue !== undefined) {
    errors.push({ path: 'payCodeValue', message: 'is only allowed when the product is PAYMENT_CODE' });
  }
  if (raw.product !== 'CASHIER_PAYMENT' && raw.terminalType !== undefined) {
    errors.push({ path: 'terminalType', message: 'is only allowed when the product is CASHIER_PAYMENT' });
  }
  let expiresAt: number | null = null;
  if (typeof raw.expireAt === 'string') {
    expiresAt = parseGatewayTime(raw.expireAt, timeZone);
    if (expiresAt === null) {
      errors.push({ path: 'expireAt', message: 'must have the format "yyyy-mm-dd hh:mm:ss" and be a real date and time' });
    } else if (expiresAt <= now) {
      errors.push({ path: 'expireAt', message: `must be in the future (gateway time zone ${timeZone})` });
    } else if (expiresAt - now >= MAX_EXPIRY_MS) {
      errors.push({ path: 'expireAt', message: 'must be less than 72 hours after the payment request is sent' });
    }
  }
  const unique = errors.filter((e, i) => errors.findIndex((o) => o.path === e.path && o.message === e.message) === i);
  if (unique.length > 0 || !parsed.success) return { ok: false, errors: unique };
  return { ok: true, value: parsed.data, expiresAt };
}
