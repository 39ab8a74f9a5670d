// One log line per gateway call (README "Logs"): which payment, which API, how it ended and how
// long it took. Written through the activity's logger, so it carries the activity's fields
// (workflowId, activityType, attempt) and, with tracing on, the trace ids. Nothing of the request
// or the answer beyond these fields: no signature, no secret, no payer data.
import { Context } from '@temporalio/activity';
import type { GatewayCall } from '../gateway/client.js';

export function logGatewayCall(call: GatewayCall): void {
  let ctx: Context;
  try {
    ctx = Context.current();
  } catch {
    return; // not inside an activity (a direct call): nobody to say it to
  }
  const fields = {
    paymentId: ctx.info.workflowExecution?.workflowId,
    ...call.ref,
    api: call.api,
    outcome: call.outcome,
    latencyMs: Math.round(call.seconds * 10_000) / 10,
  };
  // S and F are answers; anything else (U, a refusal, a timeout, no connection) is worth a look.
  if (call.outcome === 'S' || call.outcome === 'F') ctx.log.info('gateway call', fields);
  else ctx.log.warn('gateway call', fields);
}
