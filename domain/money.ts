import { z } from 'zod';

/**
 * The current ISO 4217 currency and fund codes (List One, 2026). Left out on purpose: precious
 * metals (XAG XAU XPD XPT), bond-market units (XBA-XBD), XDR XSU XUA, the test and "no
 * currency" codes (XTS XXX), and withdrawn codes (e.g. ANG, BGN since Bulgaria's euro
 * adoption on 2026-01-01, HRK, SLL, ZWL).
 */
export const ISO_4217_CODES: ReadonlySet<string> = new Set(
  (
    'AED AFN ALL AMD AOA ARS AUD AWG AZN BAM BBD BDT BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP ' +
    'GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR ' +
    'KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN ' +
    'MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD ' +
    'SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX ' +
    'USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

const THREE_CAPITALS = /^[A-Z]{3}$/;

/** The one money type: ISO 4217 currency and an integer amount in minor units. */
export const Money = z.object({
  currency: z
    .string()
    .regex(THREE_CAPITALS, 'must be an ISO 4217 code of three capital letters')
    // Only for well-formed codes, so a malformed one gets the one message above.
    .refine((c) => !THREE_CAPITALS.test(c) || ISO_4217_CODES.has(c), 'must be an ISO 4217 currency code'),
  value: z
    .number({ error: 'must be a number of minor units' })
    .int('must be an integer number of minor units (no fractions)')
    .positive('must be greater than 0')
    .max(Number.MAX_SAFE_INTEGER, 'is too large'),
});
export type Money = z.infer<typeof Money>;

export const money = (currency: string, value: number): Money => ({ currency, value });
export const sameMoney = (a: Money, b: Money): boolean => a.currency === b.currency && a.value === b.value;
