// The bare HTTP API: POST /bare/payments (update-with-start of `pay`, one round trip to the
// payAction) and POST /bare/notify (the gateway's webhook: signature, then the `notification`
// signal, then the acknowledgement). `tsx bench/bare/api.ts` runs it on its own, from env.
import { Client, Connection, WithStartWorkflowOperation, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import Fastify from 'fastify';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatGatewayTime } from '../../domain/gateway-time.js';
import { MERCHANT_TRANS_ID_PATTERN } from '../../domain/payment-request.js';
import { verificationFailure } from '../../gateway/signing.js';
import { GatewayNotification, NOTIFICATION_ACK } from '../../gateway/wire.js';
import { BARE_TASK_QUEUE, BARE_WORKFLOW_TYPE, barePaymentIdFor, notificationSignal, payUpdate, type BarePaymentInput, type barePayment } from './workflow.js';

export const BARE_NOTIFY_PATH = '/bare/notify';
/** The service's defaults: the gateway's zone, 30 minutes to pay, notifications at most 5 minutes old. */
const TIME_ZONE = 'Asia/Shanghai';
const EXPIRY_MS = 30 * 60_000;
const NOTIFICATION_MAX_AGE_MS = 300_000;

export interface BareApiOptions {
  temporalAddress: string;
  namespace: string;
  port: number;
  host: string;
  /** The gateway's signing secret and our client id there (notifications). */
  gatewaySecret: string;
  gatewayClientId: string;
}

interface PaymentBody {
  merchantTransId?: unknown;
  amount?: { value?: unknown; currency?: unknown };
  subject?: unknown;
}

/** The request as the workflow takes it, or what is wrong with it. Amount: integer minor units (string or number). */
function paymentInput(body: PaymentBody | undefined, now: number): BarePaymentInput | string {
  const { merchantTransId, amount, subject } = body ?? {};
  if (typeof merchantTransId !== 'string' || !MERCHANT_TRANS_ID_PATTERN.test(merchantTransId)) return 'merchantTransId: 1 to 64 of A-Z a-z 0-9 _ -';
  const value = typeof amount?.value === 'string' && /^[1-9]\d{0,15}$/.test(amount.value) ? Number(amount.value) : amount?.value;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return 'amount.value: a positive integer of minor units';
  if (amount?.currency !== 'CNY') return 'amount.currency: must be CNY';
  if (subject !== undefined && (typeof subject !== 'string' || !subject.trim())) return 'subject: a non-empty string';
  return {
    paymentId: barePaymentIdFor(merchantTransId),
    merchantTransId,
    amount: { currency: 'CNY', value },
    subject: (subject as string | undefined) ?? `Payment ${merchantTransId}`,
    gatewayExpireAt: formatGatewayTime(now + EXPIRY_MS, TIME_ZONE),
  };
}

const error = (code: string, message: string) => ({ error: { code, message } });

export async function startBareApi(opts: BareApiOptions): Promise<{ url: string; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: opts.temporalAddress });
  const client = new Client({ connection, namespace: opts.namespace });
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  // Keep the exact body text: notification signatures are over those bytes.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    (req as { rawBody?: string }).rawBody = body as string;
    try {
      done(null, (body as string).length ? JSON.parse(body as string) : undefined);
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400 }), undefined);
    }
  });

  app.post('/bare/payments', async (req, reply) => {
    const input = paymentInput(req.body as PaymentBody | undefined, Date.now());
    if (typeof input === 'string') return reply.code(400).send(error('VALIDATION_ERROR', input));
    const start = new WithStartWorkflowOperation<typeof barePayment>(BARE_WORKFLOW_TYPE, {
      workflowId: input.paymentId,
      taskQueue: BARE_TASK_QUEUE,
      args: [input],
      workflowIdConflictPolicy: 'USE_EXISTING',
    });
    try {
      const result = await client.workflow.executeUpdateWithStart(payUpdate, { startWorkflowOperation: start });
      return reply.code(201).send(result);
    } catch (err) {
      if (!(err instanceof WorkflowUpdateFailedError)) throw err;
      return reply.code(502).send(error('UPSTREAM_FAILED', err.cause?.message ?? err.message));
    }
  });

  app.post(BARE_NOTIFY_PATH, async (req, reply) => {
    const failure = verificationFailure({
      secret: opts.gatewaySecret,
      method: 'POST',
      path: BARE_NOTIFY_PATH,
      body: (req as { rawBody?: string }).rawBody ?? '',
      headers: req.headers,
      freshness: { now: Date.now(), maxAgeMs: NOTIFICATION_MAX_AGE_MS },
      clientId: opts.gatewayClientId,
    });
    if (failure) return reply.code(401).send(error('INVALID_SIGNATURE', `the notification is refused: ${failure}`));
    const parsed = GatewayNotification.safeParse(req.body);
    if (!parsed.success) return reply.code(400).send(error('VALIDATION_ERROR', 'the notification is malformed'));
    try {
      await client.workflow.getHandle(barePaymentIdFor(parsed.data.merchantTransId)).signal(notificationSignal, parsed.data);
    } catch (err) {
      // Not a payment of ours (or closed long ago): acknowledge, retrying would not change that.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
    return reply.code(200).send(NOTIFICATION_ACK);
  });

  let url: string;
  try {
    url = await app.listen({ host: opts.host, port: opts.port });
  } catch (err) {
    await connection.close();
    throw err;
  }
  return {
    url,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}

// Run as a script: settings from BARE_* env vars.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url))) {
  const env = process.env;
  const secret = env.BARE_GATEWAY_SECRET;
  const clientId = env.BARE_GATEWAY_CLIENT_ID;
  if (!secret || !clientId) throw new Error('BARE_GATEWAY_SECRET and BARE_GATEWAY_CLIENT_ID are required');
  const api = await startBareApi({
    temporalAddress: env.BARE_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.BARE_NAMESPACE ?? 'default',
    port: Number(env.BARE_API_PORT ?? 8090),
    host: env.BARE_API_HOST ?? '127.0.0.1',
    gatewaySecret: secret,
    gatewayClientId: clientId,
  });
  console.error(`bare API listening on ${api.url}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void api.close().then(() => process.exit(0)));
}
