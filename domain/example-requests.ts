// The example payment request, one source for the tests, the benchmark and the README's walk-through
// shape: a valid CASHIER_PAYMENT body for POST /v1/payments; `overrides` replace fields.
export function cashierBody(merchantTransId: string, overrides: Record<string, unknown> = {}) {
  return {
    merchantTransId,
    paymentMethod: 'ALIPAY_CN',
    product: 'CASHIER_PAYMENT',
    amount: { currency: 'CNY', value: 1000 },
    goods: { description: 'Green tea' },
    riskData: { device: { os: 'iOS' } },
    ...overrides,
  };
}
