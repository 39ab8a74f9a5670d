// The closed lists of statuses a merchant sees, one source for the machines, the view's schema,
// the search attributes and the docs. Plain constants: the workflow bundle imports them.

/** A payment's status (DESIGN.md section 3), in the order a payment can reach them. */
export const PAYMENT_STATUSES = ['CREATED', 'PENDING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** A refund's status as the merchant sees it (the gateway's own is PENDING, SUCCESS, FAIL). */
export const REFUND_STATUSES = ['PENDING', 'SUCCEEDED', 'FAILED'] as const;
export type RefundStatus = (typeof REFUND_STATUSES)[number];
