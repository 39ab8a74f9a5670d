// The payment schedule of a run, drawn from the seed: which product each payment is, what the
// shopper does, which refunds and cancellations the merchant asks for.
import type { Rng } from './random.js';

export const PRODUCTS = ['CASHIER_PAYMENT', 'ORDER_CODE', 'PAYMENT_CODE', 'ENTRY_CODE'] as const;
export type Product = (typeof PRODUCTS)[number];

/**
 * What happens at the gateway. pay/decline/abandon: the shopper of a cashier or order code.
 * PAYMENT_CODE: the wallet answers SUCCESS or FAIL at once, or PENDING and then the shopper
 * confirms by themselves (auto), through the control API (confirm) or never (→ reversed).
 * ENTRY_CODE: the shopper's entry-code payment succeeds or fails.
 */
export type Shopper =
  | 'pay'
  | 'decline'
  | 'abandon'
  | 'code-success'
  | 'code-fail'
  | 'code-pending-auto'
  | 'code-pending-confirm'
  | 'code-pending-never'
  | 'entry-success'
  | 'entry-fail';

/**
 * What the merchant does afterwards. refund: one partial refund. refund-duplicate: the same
 * refund sent twice at once (one refund), then a second one. refund-overrace: three refunds of 40%
 * at once (at most two fit). cancel: same-day cancel of the paid payment. cancel-pending: cancel
 * while the shopper has not paid. cancel-refund-race: a cancel and a refund at once (one wins).
 */
export type Merchant = 'none' | 'refund' | 'refund-duplicate' | 'refund-overrace' | 'cancel' | 'cancel-pending' | 'cancel-refund-race';

export interface PaymentPlan {
  index: number;
  product: Product;
  /** Unset for ENTRY_CODE: the gateway names that payment. */
  merchantTransId?: string;
  amount: number;
  shopper: Shopper;
  merchant: Merchant;
  /** Send an explicit expireAt (else the service's DEFAULT_EXPIRY_SECONDS applies). */
  explicitExpiry: boolean;
  /** How long the shopper (or the merchant) takes before acting, ms. */
  thinkMs: number;
}

type Scenario = readonly [Shopper, Merchant];
type Weighted = readonly (readonly [Scenario, number])[];

const ORDER_SCENARIOS: Weighted = [
  [['pay', 'none'], 30],
  [['pay', 'refund'], 12],
  [['pay', 'refund-duplicate'], 8],
  [['pay', 'refund-overrace'], 8],
  [['pay', 'cancel'], 10],
  [['pay', 'cancel-refund-race'], 4],
  [['decline', 'none'], 12],
  [['abandon', 'none'], 10],
  [['abandon', 'cancel-pending'], 6],
];
const PAYMENT_CODE_SCENARIOS: Weighted = [
  [['code-success', 'none'], 20],
  [['code-success', 'refund'], 10],
  [['code-success', 'cancel'], 8],
  [['code-pending-auto', 'none'], 12],
  [['code-pending-auto', 'refund-duplicate'], 7],
  [['code-pending-confirm', 'none'], 10],
  [['code-pending-confirm', 'refund-overrace'], 5],
  [['code-fail', 'none'], 12],
  [['code-pending-never', 'none'], 12],
];
const ENTRY_SCENARIOS: Weighted = [
  [['entry-success', 'none'], 40],
  [['entry-success', 'refund'], 15],
  [['entry-success', 'refund-duplicate'], 10],
  [['entry-success', 'refund-overrace'], 10],
  [['entry-success', 'cancel'], 5],
  [['entry-fail', 'none'], 15],
];

/** The first payments of each product walk through these, so even a small run covers the paths. */
const FIRST: Record<Product, readonly Scenario[]> = {
  CASHIER_PAYMENT: [['pay', 'refund-duplicate'], ['abandon', 'none'], ['pay', 'cancel'], ['decline', 'none']],
  ORDER_CODE: [['pay', 'refund-overrace'], ['abandon', 'cancel-pending'], ['pay', 'cancel-refund-race'], ['pay', 'refund']],
  PAYMENT_CODE: [['code-pending-auto', 'refund-duplicate'], ['code-pending-never', 'none'], ['code-fail', 'none'], ['code-success', 'cancel']],
  ENTRY_CODE: [['entry-success', 'refund-overrace'], ['entry-fail', 'none'], ['entry-success', 'refund'], ['entry-success', 'cancel']],
};

const SCENARIOS: Record<Product, Weighted> = {
  CASHIER_PAYMENT: ORDER_SCENARIOS,
  ORDER_CODE: ORDER_SCENARIOS,
  PAYMENT_CODE: PAYMENT_CODE_SCENARIOS,
  ENTRY_CODE: ENTRY_SCENARIOS,
};

export function planPayments(n: number, seed: number, r: Rng): PaymentPlan[] {
  const prefix = `chaos${seed.toString(36)}`;
  const seen: Record<Product, number> = { CASHIER_PAYMENT: 0, ORDER_CODE: 0, PAYMENT_CODE: 0, ENTRY_CODE: 0 };
  const plans: PaymentPlan[] = [];
  for (let i = 0; i < n; i++) {
    const product = PRODUCTS[i % PRODUCTS.length];
    const k = seen[product]++;
    const [shopper, merchant] = k < FIRST[product].length ? FIRST[product][k] : r.weighted(SCENARIOS[product]);
    plans.push({
      index: i,
      product,
      ...(product !== 'ENTRY_CODE' && { merchantTransId: `${prefix}-${String(i).padStart(4, '0')}` }),
      amount: r.int(100, 50_000),
      shopper,
      merchant,
      explicitExpiry: r.chance(0.7),
      thinkMs: r.int(0, 1_500),
    });
  }
  // Products interleaved at random, the indexes keep naming the payments.
  return r.shuffle(plans);
}
