// The machine for each product, and how a snapshot reads as a payment status.
import type { SnapshotFrom } from 'xstate';
import type { Product } from '../gateway/wire.js';
import { cashierPaymentMachine } from './cashier-payment.js';
import { PAYMENT_STATUSES, type PaymentStatus } from './types.js';

export type PaymentMachine = typeof cashierPaymentMachine;
export type PaymentSnapshot = SnapshotFrom<PaymentMachine>;

const MACHINES: Partial<Record<Product, PaymentMachine>> = {
  CASHIER_PAYMENT: cashierPaymentMachine,
};

export function machineFor(product: Product): PaymentMachine {
  const machine = MACHINES[product];
  if (!machine) throw new Error(`no payment machine for product ${product}`);
  return machine;
}

export function statusOf(snapshot: PaymentSnapshot): PaymentStatus {
  const status = PAYMENT_STATUSES.find((s) => snapshot.hasTag(s));
  if (!status) throw new Error(`state ${JSON.stringify(snapshot.value)} carries no status tag`);
  return status;
}

export const isFinal = (snapshot: PaymentSnapshot): boolean => snapshot.hasTag('final');

export { cashierPaymentMachine };
export * from './types.js';
