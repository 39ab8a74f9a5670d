// PAYMENT_CODE (user-presented: the merchant scans the shopper's code): what the shopper's wallet
// answers the next PAY with, chosen through the control API (PUT /sandbox/payment-code), and the
// timers of shoppers who confirm in the app a while after the scan.
import { z } from 'zod';
import { MAX_EXPIRY_MS } from './pay-rules.js';
import { SandboxTimers } from './timers.js';

export const SETTLED_STATUSES = ['SUCCESS', 'FAIL'] as const;
export type SettledStatus = (typeof SETTLED_STATUSES)[number];

/**
 * Body of PUT /sandbox/payment-code. SUCCESS: the deduction completes at once. FAIL: the wallet
 * refuses (e.g. insufficient balance). PENDING: the shopper must confirm in the app; the order
 * stays PENDING until the control API pays or declines it, CANCEL closes it, it expires, or, with
 * pendingForMs, the shopper confirms by themselves after that long with thenStatus.
 */
export const PaymentCodeAnswerInput = z
  .strictObject({
    answer: z.enum(['SUCCESS', 'FAIL', 'PENDING']),
    // An order lives at most 72 hours, so a later confirmation could never land.
    pendingForMs: z.number().int().min(0).max(MAX_EXPIRY_MS).optional(),
    thenStatus: z.enum(SETTLED_STATUSES).optional(),
  })
  .refine((a) => a.answer === 'PENDING' || a.pendingForMs === undefined, {
    message: 'pendingForMs applies only to answer PENDING',
    path: ['pendingForMs'],
  })
  .refine((a) => a.thenStatus === undefined || (a.answer === 'PENDING' && a.pendingForMs !== undefined), {
    message: 'thenStatus applies only to answer PENDING with pendingForMs',
    path: ['thenStatus'],
  });
export type PaymentCodeAnswerInput = z.infer<typeof PaymentCodeAnswerInput>;

export type PaymentCodeAnswer =
  | { answer: 'SUCCESS' }
  | { answer: 'FAIL' }
  | { answer: 'PENDING' }
  | { answer: 'PENDING'; pendingForMs: number; thenStatus: SettledStatus };

export const DEFAULT_PAYMENT_CODE_ANSWER: PaymentCodeAnswer = { answer: 'SUCCESS' };

function normalize(input: PaymentCodeAnswerInput): PaymentCodeAnswer {
  if (input.answer !== 'PENDING') return { answer: input.answer };
  if (input.pendingForMs === undefined) return { answer: 'PENDING' };
  return { answer: 'PENDING', pendingForMs: input.pendingForMs, thenStatus: input.thenStatus ?? 'SUCCESS' };
}

export class PaymentCodeDesk {
  private current: PaymentCodeAnswer = DEFAULT_PAYMENT_CODE_ANSWER;
  private readonly timers = new SandboxTimers();

  /** The answer the next PAYMENT_CODE PAY gets (orders already created keep theirs). */
  get(): PaymentCodeAnswer {
    return { ...this.current };
  }

  replace(input: PaymentCodeAnswerInput): PaymentCodeAnswer {
    this.current = normalize(input);
    return this.get();
  }

  reset(): PaymentCodeAnswer {
    this.current = DEFAULT_PAYMENT_CODE_ANSWER;
    return this.get();
  }

  /** Runs `confirm` after `ms` unless the sandbox closes first. */
  later(ms: number, confirm: () => void): void {
    this.timers.later(ms, confirm);
  }

  close(): void {
    this.timers.close();
  }
}
