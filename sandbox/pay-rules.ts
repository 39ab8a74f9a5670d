// The seed's field rules for PAY (ALIPAY_CN.txt, "Initiate a payment"). A violation is a business
// refusal (HTTP 200, result F PARAM_ILLEGAL), unlike a body that does not even fit the schema.
import type { PayRequest } from '../gateway/wire.js';
import { formatGatewayTime, parseGatewayTime } from '../domain/gateway-time.js';

export const PAYABLE_PRODUCTS = ['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE'] as const;
export type PayableProduct = (typeof PAYABLE_PRODUCTS)[number];

export const MAX_EXPIRY_MS = 72 * 3600_000;

/** ALIPAY_CN user payment codes (what the merchant scans off the shopper's app): 18 digits, the first two 25 to 30. */
export const ALIPAY_CN_PAY_CODE = /^(?:2[5-9]|30)\d{16}$/;

export type PayRulesOutcome =
  | { ok: true; product: PayableProduct; expireAt: number | undefined }
  | { ok: false; message: string };

const blank = (s: string | undefined) => s === undefined || s.trim() === '';

export function checkPayRules(req: PayRequest, now: number, timezone: string): PayRulesOutcome {
  const fail = (message: string): PayRulesOutcome => ({ ok: false, message });
  if (blank(req.merchantTransId) || req.merchantTransId.length > 64) return fail('merchantTransId: must be 1 to 64 characters');
  if (req.paymentMethod !== 'ALIPAY_CN') return fail('paymentMethod: must be "ALIPAY_CN"');
  if (req.product === 'ENTRY_CODE') return fail('product: ENTRY_CODE is paid by the shopper scanning the static code, not by PAY');
  if (!(PAYABLE_PRODUCTS as readonly string[]).includes(req.product)) {
    return fail(`product: must be one of ${PAYABLE_PRODUCTS.join(', ')}`);
  }
  const product = req.product as PayableProduct;

  let expireAt: number | undefined;
  if (req.expireAt !== undefined) {
    const parsed = parseGatewayTime(req.expireAt, timezone);
    // The gateway takes only a wall time that exists in its zone: one inside a DST gap does not
    // read back as itself.
    if (parsed === null || formatGatewayTime(parsed, timezone) !== req.expireAt) return fail(`expireAt: must be "yyyy-mm-dd hh:mm:ss" (a real time in ${timezone})`);
    if (parsed <= now) return fail('expireAt: must be in the future');
    if (parsed - now >= MAX_EXPIRY_MS) return fail('expireAt: must be less than 72 hours after the payment request');
    expireAt = parsed;
  }

  if (product === 'PAYMENT_CODE' && blank(req.payCodeValue)) return fail('payCodeValue: required when product is PAYMENT_CODE');
  if (product === 'PAYMENT_CODE' && !ALIPAY_CN_PAY_CODE.test(req.payCodeValue ?? '')) {
    return fail('payCodeValue: must be an ALIPAY_CN payment code, 18 digits starting with 25 to 30');
  }
  if (product !== 'PAYMENT_CODE' && req.payCodeValue !== undefined) return fail('payCodeValue: only allowed when product is PAYMENT_CODE');
  // A value outside WEB, WAP, APP does not fit the PayRequest schema (400 PARAM_ILLEGAL before this).
  if (product !== 'CASHIER_PAYMENT' && req.terminalType !== undefined) return fail('terminalType: only allowed when product is CASHIER_PAYMENT');
  if (blank(req.goods.description)) return fail('goods.description: required when paymentMethod is ALIPAY_CN');
  if (blank(req.riskData?.Device.os)) return fail(`riskData.Device.os: required when product is ${product}`);
  try {
    const url = new URL(req.notifyUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
  } catch {
    return fail('notifyUrl: must be an absolute http(s) URL');
  }
  return { ok: true, product, expireAt };
}
