// Money for people (the Temporal UI, logs), never parsed back. Plain code without zod, so the
// workflow bundle can use it.
import type { Money } from './money.js';

/** ISO 4217 minor-unit exponents other than 2 (of the currencies in ISO_4217_CODES). */
const EXPONENTS: Record<string, number> = {
  ...Object.fromEntries('BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF'.split(' ').map((c) => [c, 0])),
  ...Object.fromEntries('BHD IQD JOD KWD LYD OMR TND'.split(' ').map((c) => [c, 3])),
  CLF: 4,
  UYW: 4,
};

/** "CNY 10.00" for { currency: 'CNY', value: 1000 }. */
export function formatMoney({ currency, value }: Money): string {
  const exponent = EXPONENTS[currency] ?? 2;
  const digits = String(value).padStart(exponent + 1, '0');
  return exponent === 0 ? `${currency} ${digits}` : `${currency} ${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}
