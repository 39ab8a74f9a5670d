// The machine for each product, and how a snapshot reads as a payment status.
import type { SnapshotFrom } from 'xstate';
import type { Product } from '../gateway/wire.js';
import { cashierPaymentMachine, cashierPaymentPolicy } from './cashier-payment.js';
import { entryCodeMachine, entryCodePolicy } from './entry-code.js';
import { orderCodeMachine, orderCodePolicy } from './order-code.js';
import { paymentCodeMachine, paymentCodePolicy } from './payment-code.js';
import type { ProductPolicy } from './policy.js';
import { PAYMENT_STATUSES, type PaymentStatus } from './types.js';

export type PaymentMachine = typeof cashierPaymentMachine | typeof orderCodeMachine | typeof paymentCodeMachine | typeof entryCodeMachine;
export type PaymentSnapshot = SnapshotFrom<PaymentMachine>;

export const MACHINES: Record<Product, PaymentMachine> = {
  CASHIER_PAYMENT: cashierPaymentMachine,
  ORDER_CODE: orderCodeMachine,
  PAYMENT_CODE: paymentCodeMachine,
  ENTRY_CODE: entryCodeMachine,
};

/** Each product's policy (schedule, refund notifications), written beside its machine. */
export const POLICIES: Record<Product, ProductPolicy> = {
  CASHIER_PAYMENT: cashierPaymentPolicy,
  ORDER_CODE: orderCodePolicy,
  PAYMENT_CODE: paymentCodePolicy,
  ENTRY_CODE: entryCodePolicy,
};

export function machineFor(product: Product): PaymentMachine {
  return MACHINES[product];
}

export function statusOf(snapshot: PaymentSnapshot): PaymentStatus {
  const status = PAYMENT_STATUSES.find((s) => snapshot.hasTag(s));
  if (!status) throw new Error(`state ${JSON.stringify(snapshot.value)} carries no status tag`);
  return status;
}

export const isFinal = (snapshot: PaymentSnapshot): boolean => snapshot.hasTag('final');

export { cashierPaymentMachine, entryCodeMachine, orderCodeMachine, paymentCodeMachine };
export * from './types.js';
