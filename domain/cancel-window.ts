// The cancellation period, one rule for the service's machines and the gateway sandbox. The seed:
// "Only a full cancellation is allowed. The cancellation period: Before 23:59:59 within the
// payment date." So:
// - a payment that succeeded can be cancelled (reversed) until 23:59:59 of the gateway-time date
//   on which it succeeded (its paidAt), whenever it was created;
// - a payment still waiting for the shopper can be cancelled (its order closed) until it ends.
import { endOfGatewayDay } from './gateway-time.js';

/** The last moment (23:59:59.999, gateway time) a payment that succeeded at `paidAt` can be cancelled. */
export const lastCancelMoment = (paidAt: number, timeZone: string): number => endOfGatewayDay(paidAt, timeZone) + 999;
