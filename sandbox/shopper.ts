// What the shopper does on the gateway's side: pay or decline a pending order (by hand, or in the
// wallet app a while after a payment code was scanned), or pay a merchant's static entry code.
// Each final result starts a NOTIFICATION to the merchant.
import type { Money } from '../domain/money.js';
import type { SandboxContext } from './context.js';
import { MAX_EXPIRY_MS } from './pay-rules.js';
import type { Order } from './orders.js';
import type { SettledStatus } from './payment-code.js';

export type ShopperOutcome = { ok: true; order: Order } | { ok: false; reason: 'NOT_FOUND' } | { ok: false; reason: 'NOT_PENDING'; order: Order };

export function shopperPays(ctx: SandboxContext, order: Order | undefined): ShopperOutcome {
  if (!order) return { ok: false, reason: 'NOT_FOUND' };
  if (!ctx.orders.markPaid(order)) return { ok: false, reason: 'NOT_PENDING', order };
  ctx.notifier.notify(order);
  return { ok: true, order };
}

export function shopperDeclines(ctx: SandboxContext, order: Order | undefined): ShopperOutcome {
  if (!order) return { ok: false, reason: 'NOT_FOUND' };
  if (!ctx.orders.markFailed(order)) return { ok: false, reason: 'NOT_PENDING', order };
  ctx.notifier.notify(order);
  return { ok: true, order };
}

export function shopperSettles(ctx: SandboxContext, order: Order | undefined, status: SettledStatus): ShopperOutcome {
  return status === 'SUCCESS' ? shopperPays(ctx, order) : shopperDeclines(ctx, order);
}

/**
 * A scanned payment code waits for the shopper to confirm in the app: after `ms` they do, with
 * `status`, unless the order has left PENDING by then (CANCEL closed it, it expired, or the control
 * API settled it); then nothing happens and no notification goes out. The order records which.
 */
export function shopperConfirmsLater(ctx: SandboxContext, order: Order, ms: number, status: SettledStatus): void {
  const autoConfirm = { dueAt: ctx.now() + ms, thenStatus: status, outcome: 'SCHEDULED' as const };
  order.autoConfirm = autoConfirm;
  ctx.paymentCode.later(ms, () => {
    order.autoConfirm = { ...autoConfirm, outcome: shopperSettles(ctx, order, status).ok ? 'CONFIRMED' : 'SKIPPED' };
  });
}

export interface EntryCodePayment {
  amount: Money;
  codeId: string;
  notifyUrl: string;
  /** FAIL: the shopper's wallet refused the amount they typed. */
  status: SettledStatus;
}

/** The shopper scans the static code and types the amount: the order exists only from now on. */
export function shopperPaysEntryCode(ctx: SandboxContext, input: EntryCodePayment): Order {
  const order = ctx.orders.create({
    product: 'ENTRY_CODE',
    amount: input.amount,
    description: `Entry code ${input.codeId}`,
    notifyUrl: input.notifyUrl,
    expireAt: ctx.now() + MAX_EXPIRY_MS,
    cashier: false,
    codeId: input.codeId,
  });
  shopperSettles(ctx, order, input.status);
  return order;
}
