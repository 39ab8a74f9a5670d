// What the shopper does on the gateway's side: pay or decline a pending order, or pay a merchant's
// static entry code. Each final result starts a NOTIFICATION to the merchant.
import type { Money } from '../domain/money.js';
import type { SandboxContext } from './context.js';
import { MAX_EXPIRY_MS } from './pay-rules.js';
import type { Order } from './orders.js';

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

/** The shopper scans the static code and types the amount: the order exists only from now on. */
export function shopperPaysEntryCode(ctx: SandboxContext, input: { amount: Money; codeId: string; notifyUrl: string }): Order {
  const order = ctx.orders.create({
    product: 'ENTRY_CODE',
    amount: input.amount,
    description: `Entry code ${input.codeId}`,
    notifyUrl: input.notifyUrl,
    expireAt: ctx.now() + MAX_EXPIRY_MS,
    cashier: false,
    codeId: input.codeId,
  });
  ctx.orders.markPaid(order);
  ctx.notifier.notify(order);
  return order;
}
