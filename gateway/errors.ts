// Typed upstream errors. Their class names are what activity retry policies list as
// non-retryable, so keep the names stable.

/** Nothing reached the gateway (connection refused, DNS): safe to send again. */
export class GatewayUnreachableError extends Error {
  override name = 'GatewayUnreachableError';
}
/** The request may have been processed but the answer is unknown (timeout, 5xx, bad signature on the answer). */
export class GatewayUnknownOutcomeError extends Error {
  override name = 'GatewayUnknownOutcomeError';
  constructor(
    message: string,
    /** No answer came within the client's timeout (the call's `timeout` outcome). */
    readonly timedOut = false,
  ) {
    super(message);
  }
}
/** The gateway refused the request itself (4xx, invalid signature): sending it again cannot help. */
export class GatewayRejectedError extends Error {
  override name = 'GatewayRejectedError';
  constructor(message: string, readonly status: number, readonly resultCode?: string) {
    super(message);
  }
  /** The gateway's result code, else the HTTP status. */
  get code(): string {
    return this.resultCode ?? `HTTP_${this.status}`;
  }
}

/** A `.catch` that turns a rejection (4xx) into an answer and throws anything else on. */
export const rejectedAs =
  <R>(answer: (err: GatewayRejectedError) => R) =>
  (err: unknown): R => {
    if (err instanceof GatewayRejectedError) return answer(err);
    throw err;
  };
