// REFUND on the gateway's side: how refunds settle (chosen through the control API, PUT
// /sandbox/refunds), the book of refunds by refundRequestId, and the timers that settle them.
// A refund is answered PENDING and settles later with the answer in force when it was created.
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Money } from '../domain/money.js';
import { localDateKey } from '../domain/gateway-time.js';
import type { RefundStatus } from '../gateway/wire.js';
import { MAX_EXPIRY_MS } from './pay-rules.js';
import { SandboxTimers } from './timers.js';

export const REFUND_SETTLED_STATUSES = ['SUCCESS', 'FAIL'] as const;
export type RefundSettledStatus = (typeof REFUND_SETTLED_STATUSES)[number];

/**
 * Body of PUT /sandbox/refunds. answer: how refunds created from now on settle (FAIL: the wallet
 * could not return the money; the amount becomes refundable again). settleAfterMs: how long after
 * the REFUND answer they settle; absent or 0, right after answering.
 */
export const RefundAnswerInput = z.strictObject({
  answer: z.enum(REFUND_SETTLED_STATUSES),
  settleAfterMs: z.number().int().min(0).max(MAX_EXPIRY_MS).optional(),
});
export type RefundAnswerInput = z.infer<typeof RefundAnswerInput>;

export type RefundAnswer = { answer: RefundSettledStatus; settleAfterMs?: number };

export const DEFAULT_REFUND_ANSWER: RefundAnswer = { answer: 'SUCCESS' };

export interface Refund {
  refundRequestId: string;
  gatewayRefundId: string;
  merchantTransId: string;
  refundAmount: Money;
  reason?: string;
  /** Where the REFUND_RESULT notification goes: the refund's notifyUrl, else the payment's. Online products only. */
  notifyUrl: string;
  status: RefundStatus;
  createdAt: number;
  settledAt?: number;
  /** The settlement captured from PUT /sandbox/refunds when the refund was created. */
  settle: { answer: RefundSettledStatus; settleAfterMs: number; dueAt: number };
  /** Canonical text of the REFUND request, for idempotency on refundRequestId. */
  requestKey: string;
}

export interface NewRefund {
  refundRequestId: string;
  merchantTransId: string;
  refundAmount: Money;
  reason?: string;
  notifyUrl: string;
  requestKey: string;
}

export class RefundDesk {
  private current: RefundAnswer = DEFAULT_REFUND_ANSWER;
  private readonly byRequestId = new Map<string, Refund>();
  private readonly timers = new SandboxTimers();
  // A random start, like gatewayTransId, so a restarted sandbox does not reuse ids.
  private seq = randomInt(1, 50_000_000);

  constructor(
    private readonly timezone: string,
    private readonly now: () => number,
  ) {}

  /** How refunds created from now on settle (refunds already created keep theirs). */
  get(): RefundAnswer {
    return { ...this.current };
  }

  replace(input: RefundAnswerInput): RefundAnswer {
    this.current = { answer: input.answer, ...(input.settleAfterMs !== undefined && { settleAfterMs: input.settleAfterMs }) };
    return this.get();
  }

  reset(): RefundAnswer {
    this.current = DEFAULT_REFUND_ANSWER;
    return this.get();
  }

  find(refundRequestId: string): Refund | undefined {
    return this.byRequestId.get(refundRequestId);
  }

  /** Records a PENDING refund with the settlement in force now. */
  create(input: NewRefund): Refund {
    const createdAt = this.now();
    const settleAfterMs = this.current.settleAfterMs ?? 0;
    const refund: Refund = {
      refundRequestId: input.refundRequestId,
      gatewayRefundId: `R${localDateKey(createdAt, this.timezone)}${String(this.seq++ % 100_000_000).padStart(8, '0')}`,
      merchantTransId: input.merchantTransId,
      refundAmount: { ...input.refundAmount },
      ...(input.reason !== undefined && { reason: input.reason }),
      notifyUrl: input.notifyUrl,
      status: 'PENDING',
      createdAt,
      settle: { answer: this.current.answer, settleAfterMs, dueAt: createdAt + settleAfterMs },
      requestKey: input.requestKey,
    };
    this.byRequestId.set(refund.refundRequestId, refund);
    return refund;
  }

  /** Runs `settle` after `ms` unless the sandbox closes first. */
  later(ms: number, settle: () => void): void {
    this.timers.later(ms, settle);
  }

  close(): void {
    this.timers.close();
  }
}

/** The sum of an order's refunds that hold money: PENDING and SUCCESS (a FAIL frees its amount). */
export function committedRefundValue(refunds: readonly Refund[]): number {
  return refunds.filter((r) => r.status !== 'FAIL').reduce((sum, r) => sum + r.refundAmount.value, 0);
}

/** A refund as the control API and the tests see it. */
export function refundView(refund: Refund) {
  const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
  return {
    refundRequestId: refund.refundRequestId,
    gatewayRefundId: refund.gatewayRefundId,
    refundAmount: refund.refundAmount,
    reason: refund.reason,
    notifyUrl: refund.notifyUrl,
    status: refund.status,
    createdAt: iso(refund.createdAt),
    settledAt: iso(refund.settledAt),
    settle: { ...refund.settle, dueAt: iso(refund.settle.dueAt) },
  };
}
