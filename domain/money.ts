import { z } from 'zod';

/** The one money type: ISO 4217 currency and an integer amount in minor units. */
export const Money = z.object({
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code of three capital letters'),
  value: z
    .number({ error: 'must be a number of minor units' })
    .int('must be an integer number of minor units (no fractions)')
    .positive('must be greater than 0')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
});
export type Money = z.infer<typeof Money>;

export const money = (currency: string, value: number): Money => ({ currency, value });
export const sameMoney = (a: Money, b: Money): boolean => a.currency === b.currency && a.value === b.value;
