// Temporal being out of reach, in one place: which errors mean it, how they read, and the API's
// answer (503 TEMPORAL_UNAVAILABLE). The central error handler (server.ts) applies it to whatever
// any route throws, so no route needs to know.
import { QueryNotRegisteredError, ServiceError, WorkflowUpdateRPCTimeoutOrCancelledError, isGrpcServiceError } from '@temporalio/client';
import { ApiError } from './errors.js';

/** The gRPC status codes this module cares about (@grpc/grpc-js `status`). */
export const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14 } as const;

/** gRPC codes that say "Temporal did not answer", not "Temporal refused the request". */
const UNREACHABLE_CODES = new Set<number>([GRPC.CANCELLED, GRPC.DEADLINE_EXCEEDED, GRPC.RESOURCE_EXHAUSTED, GRPC.UNAVAILABLE]);

/** Thrown by the outage watchdog (temporal-connection.ts) for a call cut short while Temporal is down. */
export class TemporalUnavailableError extends Error {
  override name = 'TemporalUnavailableError';
  constructor(readonly reason: string) {
    super(`Temporal cannot be reached: ${reason}`);
  }
}

/** Why Temporal was not reached, as a short phrase for readyz and error messages. */
export function describeTemporalError(err: unknown): string {
  if (err instanceof TemporalUnavailableError) return err.reason;
  if (isGrpcServiceError(err)) {
    if (err.code === GRPC.DEADLINE_EXCEEDED) return 'no answer before the deadline';
    const details = err.details ?? err.message;
    // "No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:7233. Resolution note: ..."
    const last = /Last error: (?:Error: )?(.*?)(?:\.? Resolution note:.*)?$/s.exec(details);
    return (last?.[1] ?? details).trim().slice(0, 200) || `gRPC status ${err.code}`;
  }
  return err instanceof Error ? err.message.slice(0, 200) : String(err);
}

/** The reason, when this error (or one it wraps) means Temporal could not be reached; else null. */
export function temporalUnreachable(err: unknown): string | null {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof TemporalUnavailableError) return e.reason;
    if (isGrpcServiceError(e) && UNREACHABLE_CODES.has(e.code)) return describeTemporalError(e);
    // The client's own deadline or cancellation of an update call: Temporal did not answer in time.
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'the update call timed out';
    // Connection.ensureConnected (an eager connect) wraps its failure this way.
    if (e instanceof ServiceError && /Failed to connect/i.test(e.message)) return describeTemporalError(e.cause ?? e);
  }
  return null;
}

/** 503 TEMPORAL_UNAVAILABLE for errors that mean Temporal could not be reached; null for others. */
export function temporalUnavailableError(err: unknown): ApiError | null {
  const reason = temporalUnreachable(err);
  if (reason === null) return null;
  return new ApiError(503, 'TEMPORAL_UNAVAILABLE', `the payment service cannot reach Temporal right now (${reason}); retry the request later`);
}

/**
 * 503 PAYMENT_UNAVAILABLE when the payment's workflow cannot be replayed by the worker (a
 * nondeterminism error, TMPRL1100): every query fails until the workflow is mended. Known cause:
 * an SDK defect with updates after a timed-out workflow task (docs/known-issues/README.md).
 */
export function paymentUnavailableError(err: unknown): ApiError | null {
  if (!(err instanceof QueryNotRegisteredError) || !/TMPRL1100|Nondeterminism/i.test(err.message)) return null;
  return new ApiError(503, 'PAYMENT_UNAVAILABLE', 'the payment cannot be read right now: its workflow fails to replay on the worker (nondeterminism error); an operator has to look at it');
}
