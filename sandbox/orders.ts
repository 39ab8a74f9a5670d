// The gateway's order book: one order per merchantTransId, its status transitions, and the lazy
// expiry that closes an unpaid order once its expireAt has passed.
import { randomBytes, randomInt } from 'node:crypto';
import type { Money } from '../domain/money.js';
import type { PayAction, Product, TerminalType, TransStatus } from '../gateway/wire.js';
import { lastCancelMoment } from '../domain/cancel-window.js';
import { localDateKey } from '../domain/gateway-time.js';
import { refundView, type Refund } from './refunds.js';

export interface Order {
  merchantTransId: string;
  gatewayTransId: string;
  product: Product;
  amount: Money;
  description: string;
  notifyUrl: string;
  /** Secret part of the cashier page URL. */
  token: string;
  /** CASHIER_PAYMENT: as the PAY request said (absent: WEB). */
  terminalType?: TerminalType;
  payAction: PayAction | null;
  status: TransStatus;
  createdAt: number;
  expireAt: number;
  paidAt?: number;
  failedAt?: number;
  closedAt?: number;
  cancelledAt?: number;
  /** Canonical text of the PAY request that created the order, for idempotency. */
  requestKey?: string;
  codeId?: string;
  /** PAYMENT_CODE answered PENDING with pendingForMs: the shopper's own confirmation, when and how it went. */
  autoConfirm?: AutoConfirm;
  /** REFUNDs of this order, oldest first (any status). */
  refunds: Refund[];
}

export interface AutoConfirm {
  dueAt: number;
  thenStatus: 'SUCCESS' | 'FAIL';
  /** SKIPPED: when it came due the order was no longer PENDING (cancelled, expired or settled by the control API). */
  outcome: 'SCHEDULED' | 'CONFIRMED' | 'SKIPPED';
}

export interface NewOrder {
  merchantTransId?: string;
  product: Product;
  amount: Money;
  description: string;
  notifyUrl: string;
  expireAt: number;
  /**
   * Whether the shopper pays through the cashier page: payAction QRCODE (its redirectUrl), or
   * REDIRECT when terminalType is WAP or APP. The sandbox has no wallet app, so its REDIRECT url
   * is the cashier page itself: following it the shopper lands on the page and pays there.
   */
  cashier: boolean;
  terminalType?: TerminalType;
  requestKey?: string;
  codeId?: string;
}

/** WEB (or none): a QR code of the cashier page to scan; WAP, APP: a link the shopper follows to it. */
function cashierAction(url: string, terminalType: TerminalType | undefined): PayAction {
  return terminalType === 'WAP' || terminalType === 'APP' ? { type: 'REDIRECT', url } : { type: 'QRCODE', redirectUrl: url };
}

export type CancelOutcome = { ok: true } | { ok: false; code: 'ORDER_STATUS_INVALID' | 'CANCEL_WINDOW_EXCEED'; message: string };

export class OrderStore {
  private readonly byMerchantId = new Map<string, Order>();
  private readonly byToken = new Map<string, Order>();
  // A random start keeps ids from a restarted sandbox from colliding with ones a merchant still holds.
  private seq = randomInt(1, 50_000_000);

  constructor(
    private readonly timezone: string,
    private readonly now: () => number,
    private readonly cashierUrl: (token: string) => string,
  ) {}

  create(input: NewOrder): Order {
    const createdAt = this.now();
    const gatewayTransId = `${localDateKey(createdAt, this.timezone)}${String(this.seq++ % 100_000_000).padStart(8, '0')}`;
    const token = randomBytes(18).toString('base64url');
    const order: Order = {
      merchantTransId: input.merchantTransId ?? `entry-${gatewayTransId}`,
      gatewayTransId,
      product: input.product,
      amount: { ...input.amount },
      description: input.description,
      notifyUrl: input.notifyUrl,
      token,
      payAction: input.cashier ? cashierAction(this.cashierUrl(token), input.terminalType) : null,
      status: 'PENDING',
      createdAt,
      refunds: [],
      expireAt: input.expireAt,
      ...(input.requestKey !== undefined && { requestKey: input.requestKey }),
      ...(input.codeId !== undefined && { codeId: input.codeId }),
      ...(input.terminalType !== undefined && { terminalType: input.terminalType }),
    };
    this.byMerchantId.set(order.merchantTransId, order);
    this.byToken.set(token, order);
    return order;
  }

  get(merchantTransId: string): Order | undefined {
    return this.refreshed(this.byMerchantId.get(merchantTransId));
  }

  getByToken(token: string): Order | undefined {
    return this.refreshed(this.byToken.get(token));
  }

  /** PENDING → SUCCESS. False when the order is not PENDING (already final or expired). */
  markPaid(order: Order): boolean {
    if (this.refreshed(order)?.status !== 'PENDING') return false;
    order.status = 'SUCCESS';
    order.paidAt = this.now();
    return true;
  }

  /** PENDING → FAIL. */
  markFailed(order: Order): boolean {
    if (this.refreshed(order)?.status !== 'PENDING') return false;
    order.status = 'FAIL';
    order.failedAt = this.now();
    return true;
  }

  /** Full cancel: PENDING closes, SUCCESS without refunds is reversed within its payment date, repeats are no-ops. */
  cancel(order: Order): CancelOutcome {
    const now = this.now();
    switch (this.refreshed(order)?.status) {
      case 'PENDING':
        order.status = 'CLOSED';
        order.closedAt = now;
        return { ok: true };
      case 'SUCCESS': {
        // Only a full cancellation is allowed (seed): once part of the money went back, no longer.
        if (order.refunds.length > 0) {
          return { ok: false, code: 'ORDER_STATUS_INVALID', message: 'an order with refunds cannot be cancelled: only a full cancellation is allowed' };
        }
        if (now > lastCancelMoment(order.paidAt ?? order.createdAt, this.timezone)) {
          return { ok: false, code: 'CANCEL_WINDOW_EXCEED', message: 'a payment can only be cancelled before 23:59:59 of its payment date' };
        }
        order.status = 'CANCELLED';
        order.cancelledAt = now;
        return { ok: true };
      }
      case 'CLOSED':
      case 'CANCELLED':
        return { ok: true };
      default:
        return { ok: false, code: 'ORDER_STATUS_INVALID', message: `an order in status ${order.status} cannot be cancelled` };
    }
  }

  private refreshed(order: Order | undefined): Order | undefined {
    if (order && order.status === 'PENDING' && this.now() >= order.expireAt) {
      order.status = 'CLOSED';
      order.closedAt = order.expireAt;
    }
    return order;
  }
}

/** The gateway's paidAt field (ISO 8601) of PAY, DETAIL and the notification, once the order was paid. */
export const paidAtField = (order: Order): { paidAt?: string } => (order.paidAt === undefined ? {} : { paidAt: new Date(order.paidAt).toISOString() });

/** The order as the control API and the tests see it. */
export function orderView(order: Order) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    merchantTransId: order.merchantTransId,
    gatewayTransId: order.gatewayTransId,
    product: order.product,
    status: order.status,
    amount: order.amount,
    description: order.description,
    notifyUrl: order.notifyUrl,
    payAction: order.payAction,
    terminalType: order.terminalType,
    cashierUrl: order.payAction?.type === 'QRCODE' ? order.payAction.redirectUrl : order.payAction?.url,
    codeId: order.codeId,
    createdAt: iso(order.createdAt),
    expireAt: iso(order.expireAt),
    paidAt: iso(order.paidAt),
    failedAt: iso(order.failedAt),
    closedAt: iso(order.closedAt),
    cancelledAt: iso(order.cancelledAt),
    autoConfirm: order.autoConfirm && { ...order.autoConfirm, dueAt: iso(order.autoConfirm.dueAt) },
    refunds: order.refunds.map(refundView),
  };
}
export type OrderView = ReturnType<typeof orderView>;
