// Publishing to JetStream. The message id is the event id, so a retried activity is
// de-duplicated by the stream (within DUPLICATE_WINDOW_MS) and never publishes twice.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { JetStreamClient } from 'nats';
import { headers as natsHeaders, JSONCodec } from 'nats';
import type { PaymentEvent } from '../events/schema.js';
import { currentTraceparent } from '../telemetry/tracing.js';
import { noBusinessMetrics, type BusinessMetrics, type FinalStatus } from './business-metrics.js';

const codec = JSONCodec<PaymentEvent>();

/** How long one attempt of the durable activity waits for the stream's acknowledgement. */
const PUBLISH_ACK_TIMEOUT_MS = 5_000;
/** The local first try waits less: after it, the durable activity takes over. */
const QUICK_ACK_TIMEOUT_MS = 2_000;

/**
 * While NATS is away an attempt fails after the ack timeout (a closed connection fails at once), and
 * Temporal retries it; the connection itself reconnects without limit (config/connections.ts).
 * `natsUp` says whether the connection is up now (worker/worker.ts follows its status).
 */
export function publishActivities(js: JetStreamClient, natsUp: () => boolean = () => true, metrics: BusinessMetrics = noBusinessMetrics) {
  const send = async (subject: string, untraced: PaymentEvent, timeout: number) => {
    // With tracing on, the event continues the publishing activity's trace (README "Traces").
    const traceparent = currentTraceparent();
    const event = traceparent ? { ...untraced, traceparent } : untraced;
    const h = natsHeaders();
    h.set('Content-Type', 'application/cloudevents+json');
    h.set('ce-type', event.type);
    if (traceparent) h.set('traceparent', traceparent);
    const ack = await js.publish(subject, codec.encode(event), { msgID: event.id, headers: h, timeout });
    // The first copy the stream takes is the one that counts: a retry (the durable publish after a
    // local try that landed) is acknowledged as a duplicate.
    if (!ack.duplicate) observeFinalStatus(event, metrics);
    return { duplicate: ack.duplicate, seq: ack.seq };
  };
  return {
    /** The durable publish: an activity retried until the stream has the event. */
    publishEvent: (subject: string, event: PaymentEvent) => send(subject, event, PUBLISH_ACK_TIMEOUT_MS),
    /** The local first try (workflows/payment.ts): now, or at once not at all while NATS is away. */
    async publishEventNow(subject: string, event: PaymentEvent) {
      if (!natsUp()) throw new Error('NATS is not connected: the durable publish takes the event');
      return send(subject, event, QUICK_ACK_TIMEOUT_MS);
    },
  };
}

/** The events that announce a final status; each is published once per payment (its own sequence). */
const FINAL_STATUS_OF: Partial<Record<string, FinalStatus>> = {
  'alipay_cn.payment.succeeded': 'SUCCEEDED',
  'alipay_cn.payment.failed': 'FAILED',
  'alipay_cn.payment.expired': 'EXPIRED',
  'alipay_cn.payment.cancelled': 'CANCELLED',
};

/**
 * alipay_cn_payment_time_to_final_seconds: from the payment's creation to the event's `time` (when
 * the workflow reached the status). The view carries no creation time and the event contract stays
 * as it is, so the creation is read from Temporal: the start of the first run of the payment's
 * workflow (the API starts it when the payment is created; continue-as-new starts later runs).
 * Looked up after the publish, off its path; a failed lookup records nothing.
 */
function observeFinalStatus(event: PaymentEvent, metrics: BusinessMetrics): void {
  const status = FINAL_STATUS_OF[event.type];
  if (!status || event.data.status !== status) return;
  let context: Context;
  let client: Client;
  try {
    context = Context.current();
    client = context.client;
  } catch {
    return; // not in an activity with a client (a direct call, a mock environment): no one to ask
  }
  const execution = context.info.workflowExecution;
  if (!execution) return;
  const { workflowId, runId } = execution;
  const reachedAt = Date.parse(event.time);
  void paymentCreatedAt(client, workflowId, runId).then(
    (createdAt) => metrics.timeToFinal(event.data.product, status, (reachedAt - createdAt) / 1000),
    (err: unknown) => context.log.debug('no creation time for the time-to-final metric', { paymentId: workflowId, error: String(err) }),
  );
}

/** When the payment's workflow started: its first run's start time. */
async function paymentCreatedAt(client: Client, workflowId: string, runId: string): Promise<number> {
  const current = await client.workflow.getHandle(workflowId, runId).describe();
  const firstRunId = current.raw.workflowExecutionInfo?.firstRunId;
  if (!firstRunId || firstRunId === runId) return current.startTime.getTime();
  return (await client.workflow.getHandle(workflowId, firstRunId).describe()).startTime.getTime();
}
