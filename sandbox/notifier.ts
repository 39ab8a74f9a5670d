// NOTIFICATION delivery: signed POSTs of a payment's final result (PAYMENT_RESULT) or of a refund's
// (REFUND_RESULT, online products only) to the merchant's notifyUrl, retried on the configured
// schedule until the merchant acknowledges with NOTIFICATION_ACK.
import { randomUUID } from 'node:crypto';
import { sign } from '../gateway/signing.js';
import type { GatewayNotification, Notification, RefundNotification } from '../gateway/wire.js';
import type { FaultState } from './faults.js';
import { paidAtField, type Order } from './orders.js';
import type { Refund } from './refunds.js';
import { SandboxTimers } from './timers.js';

export interface DeliveryAttempt {
  attempt: number;
  at: string;
  outcome: 'ACKED' | 'NOT_ACKED' | 'ERROR' | 'DROPPED';
  httpStatus?: number;
  error?: string;
}

export interface Delivery {
  notifyId: string;
  notifyType: GatewayNotification['notifyType'];
  /** REFUND_RESULT only: the refund it reports. */
  refundRequestId?: string;
  status: GatewayNotification['status'];
  notifyUrl: string;
  /** A deliberate second send of an acknowledged notification (duplicateNotifications fault). */
  duplicate: boolean;
  attempts: DeliveryAttempt[];
  acked: boolean;
  /** The retry schedule ran out without an acknowledgement. */
  gaveUp: boolean;
}

interface Log {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export interface NotifierOptions {
  clientId: string;
  secret: string;
  /** Delay before each attempt, counted from the end of the previous one; the first from the event. */
  retryMs: readonly number[];
  faults: FaultState;
  log: Log;
  attemptTimeoutMs?: number;
}

export class Notifier {
  private readonly log = new Map<string, Delivery[]>();
  private readonly timers = new SandboxTimers();
  private readonly inFlight = new Set<AbortController>();

  constructor(private readonly opts: NotifierOptions) {}

  /** Starts delivering the final result of this order; returns its delivery record. */
  notify(order: Order): Delivery {
    if (order.status !== 'SUCCESS' && order.status !== 'FAIL') {
      throw new Error(`no notification for status ${order.status}`);
    }
    const notification: Notification = {
      notifyId: randomUUID(),
      notifyType: 'PAYMENT_RESULT',
      merchantTransId: order.merchantTransId,
      gatewayTransId: order.gatewayTransId,
      product: order.product,
      status: order.status,
      amount: order.amount,
      ...(order.status === 'SUCCESS' && paidAtField(order)),
      ...(order.codeId !== undefined && { codeId: order.codeId }),
    };
    return this.send(notification, order.notifyUrl);
  }

  /** Starts delivering the final result of this refund of an online payment; returns its delivery record. */
  notifyRefund(order: Order, refund: Refund): Delivery {
    if (refund.status !== 'SUCCESS' && refund.status !== 'FAIL') {
      throw new Error(`no refund notification for status ${refund.status}`);
    }
    const notification: RefundNotification = {
      notifyId: randomUUID(),
      notifyType: 'REFUND_RESULT',
      merchantTransId: order.merchantTransId,
      gatewayTransId: order.gatewayTransId,
      refundRequestId: refund.refundRequestId,
      gatewayRefundId: refund.gatewayRefundId,
      product: order.product,
      status: refund.status,
      refundAmount: refund.refundAmount,
    };
    return this.send(notification, refund.notifyUrl);
  }

  deliveries(merchantTransId: string): Delivery[] {
    return this.log.get(merchantTransId) ?? [];
  }

  /** Stops every pending retry and aborts requests in flight. */
  close(): void {
    this.timers.close();
    for (const c of this.inFlight) c.abort();
    this.inFlight.clear();
  }

  /** Records the delivery at once (so it shows from the moment of the event), then schedules its first attempt. */
  private send(n: GatewayNotification, notifyUrl: string): Delivery {
    const body = JSON.stringify(n);
    const delivery = this.record(n, notifyUrl, false);
    const slot = this.opts.retryMs.find((ms) => ms > 0) ?? 1000;
    const first = (this.opts.retryMs[0] ?? 0) + this.opts.faults.reorderHoldMs(slot);
    this.schedule(first, () => this.attempt(delivery, n, body, 0));
    return delivery;
  }

  private record(n: GatewayNotification, notifyUrl: string, duplicate: boolean): Delivery {
    const delivery: Delivery = {
      notifyId: n.notifyId,
      notifyType: n.notifyType,
      ...(n.notifyType === 'REFUND_RESULT' && { refundRequestId: n.refundRequestId }),
      status: n.status,
      notifyUrl,
      duplicate,
      attempts: [],
      acked: false,
      gaveUp: false,
    };
    const list = this.log.get(n.merchantTransId) ?? [];
    list.push(delivery);
    this.log.set(n.merchantTransId, list);
    return delivery;
  }

  private schedule(ms: number, run: () => Promise<void>): void {
    this.timers.later(ms, () => void run());
  }

  private async attempt(delivery: Delivery, n: GatewayNotification, body: string, index: number): Promise<void> {
    if (this.timers.closed) return;
    const at = new Date().toISOString();
    const attempt = index + 1;
    if (!delivery.duplicate && this.opts.faults.dropAttempt()) {
      delivery.attempts.push({ attempt, at, outcome: 'DROPPED' });
      this.opts.log.info({ notifyId: delivery.notifyId, attempt }, 'notification attempt dropped (fault)');
      return this.retryAfter(delivery, n, body, index);
    }
    const result = await this.post(delivery.notifyUrl, body);
    if (this.timers.closed) return;
    delivery.attempts.push({ attempt, at, ...result });
    if (result.outcome === 'ACKED') {
      delivery.acked = true;
      if (!delivery.duplicate && this.opts.faults.duplicate()) {
        const copy = this.record(n, delivery.notifyUrl, true);
        this.schedule(0, () => this.attempt(copy, n, body, 0));
      }
      return;
    }
    this.opts.log.warn({ notifyId: delivery.notifyId, attempt, ...result }, 'notification not acknowledged');
    if (!delivery.duplicate) this.retryAfter(delivery, n, body, index);
  }

  private retryAfter(delivery: Delivery, n: GatewayNotification, body: string, index: number): void {
    const next = this.opts.retryMs[index + 1];
    if (next === undefined) {
      delivery.gaveUp = true;
      return;
    }
    this.schedule(next, () => this.attempt(delivery, n, body, index + 1));
  }

  private async post(notifyUrl: string, body: string): Promise<Omit<DeliveryAttempt, 'attempt' | 'at'>> {
    const controller = new AbortController();
    this.inFlight.add(controller);
    const timeout = setTimeout(() => controller.abort(), this.opts.attemptTimeoutMs ?? 10_000);
    timeout.unref();
    try {
      const url = new URL(notifyUrl);
      const headers = sign({ secret: this.opts.secret, clientId: this.opts.clientId, method: 'POST', path: url.pathname, body });
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: controller.signal,
      });
      const text = await res.text();
      let acked = false;
      try {
        acked = res.status === 200 && (JSON.parse(text) as { result?: { resultStatus?: string } })?.result?.resultStatus === 'S';
      } catch {
        /* not JSON: not an acknowledgement */
      }
      return { outcome: acked ? 'ACKED' : 'NOT_ACKED', httpStatus: res.status };
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      const detail = cause?.code ?? cause?.message;
      return { outcome: 'ERROR', error: detail ? `${(err as Error).message}: ${detail}` : (err as Error).message };
    } finally {
      clearTimeout(timeout);
      this.inFlight.delete(controller);
    }
  }
}
