// Injected faults: what a real network and a real gateway do to a merchant. Wire faults always hit
// after the request was processed, so the merchant cannot tell whether it took effect.
import { z } from 'zod';

const Rate = z.number().min(0).max(1);
const Count = z.number().int().min(0);

export const WIRE_OPERATIONS = ['pay', 'detail', 'cancel', 'refund', 'refundDetail'] as const;
export type WireOperation = (typeof WIRE_OPERATIONS)[number];

/** error: 500 U; timeout: no answer; unknown: 200 U; reject: 400 F (the gateway refuses the request itself). */
export const WireFaultMode = z.enum(['error', 'timeout', 'unknown', 'reject']);
export type WireFaultMode = z.infer<typeof WireFaultMode>;

/** Body of PUT /sandbox/faults: every field optional, unknown fields refused so typos do not pass silently. */
export const FaultsInput = z
  .strictObject({
    dropNotifications: Rate.optional(),
    duplicateNotifications: Rate.optional(),
    reorderNotifications: z.boolean().optional(),
    latencyMs: Count.max(600_000).optional(),
    errorRate: Rate.optional(),
    timeoutRate: Rate.optional(),
    unknownRate: Rate.optional(),
    failNext: z
      .strictObject({
        pay: Count.optional(),
        detail: Count.optional(),
        cancel: Count.optional(),
        refund: Count.optional(),
        refundDetail: Count.optional(),
        mode: WireFaultMode.optional(),
      })
      .optional(),
    dropNextNotifications: Count.optional(),
  })
  .refine((f) => (f.errorRate ?? 0) + (f.timeoutRate ?? 0) + (f.unknownRate ?? 0) <= 1, {
    message: 'errorRate + timeoutRate + unknownRate must not exceed 1',
  });
export type FaultsInput = z.infer<typeof FaultsInput>;

export interface Faults {
  dropNotifications: number;
  duplicateNotifications: number;
  reorderNotifications: boolean;
  latencyMs: number;
  errorRate: number;
  timeoutRate: number;
  unknownRate: number;
  failNext: { pay: number; detail: number; cancel: number; refund: number; refundDetail: number; mode: WireFaultMode };
  dropNextNotifications: number;
}

function normalize(input: FaultsInput): Faults {
  return {
    dropNotifications: input.dropNotifications ?? 0,
    duplicateNotifications: input.duplicateNotifications ?? 0,
    reorderNotifications: input.reorderNotifications ?? false,
    latencyMs: input.latencyMs ?? 0,
    errorRate: input.errorRate ?? 0,
    timeoutRate: input.timeoutRate ?? 0,
    unknownRate: input.unknownRate ?? 0,
    failNext: {
      pay: input.failNext?.pay ?? 0,
      detail: input.failNext?.detail ?? 0,
      cancel: input.failNext?.cancel ?? 0,
      refund: input.failNext?.refund ?? 0,
      refundDetail: input.failNext?.refundDetail ?? 0,
      mode: input.failNext?.mode ?? 'error',
    },
    dropNextNotifications: input.dropNextNotifications ?? 0,
  };
}

export class FaultState {
  private current: Faults = normalize({});

  constructor(private readonly random: () => number = Math.random) {}

  /** The faults in force, with what is left of the deterministic counters. */
  get(): Faults {
    return { ...this.current, failNext: { ...this.current.failNext } };
  }

  replace(input: FaultsInput): Faults {
    this.current = normalize(input);
    return this.get();
  }

  reset(): Faults {
    return this.replace({});
  }

  get latencyMs(): number {
    return this.current.latencyMs;
  }

  /** The fault to put on this wire answer, if any; the deterministic counters go first. */
  drawWireFault(op: WireOperation): WireFaultMode | null {
    const f = this.current;
    if (f.failNext[op] > 0) {
      f.failNext[op] -= 1;
      return f.failNext.mode;
    }
    const r = this.random();
    if (r < f.timeoutRate) return 'timeout';
    if (r < f.timeoutRate + f.errorRate) return 'error';
    if (r < f.timeoutRate + f.errorRate + f.unknownRate) return 'unknown';
    return null;
  }

  /** Whether this delivery attempt is lost on the way. */
  dropAttempt(): boolean {
    if (this.current.dropNextNotifications > 0) {
      this.current.dropNextNotifications -= 1;
      return true;
    }
    return this.current.dropNotifications > 0 && this.random() < this.current.dropNotifications;
  }

  /** Whether an acknowledged notification goes out once more. */
  duplicate(): boolean {
    return this.current.duplicateNotifications > 0 && this.random() < this.current.duplicateNotifications;
  }

  /** Extra hold before a notification's first attempt: about one retry slot, varied so later ones overtake. */
  reorderHoldMs(slotMs: number): number {
    return this.current.reorderNotifications ? Math.round(slotMs * (0.5 + this.random())) : 0;
  }
}
