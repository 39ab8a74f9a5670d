// The bare worker: its own task queue (bench-bare) and stream (BENCH_BARE), the workflow bundled
// from workflow.ts at start. `tsx bench/bare/worker.ts` runs it on its own, configured from env.
import { NativeConnection, Worker } from '@temporalio/worker';
import { connect, nanos, RetentionPolicy, StorageType, type ConnectionOptions, type JetStreamManager } from 'nats';
import { realpathSync } from 'node:fs';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GatewayClient } from '../../gateway/client.js';
import { BARE_STREAM, BARE_SUBJECT_PREFIX, bareActivities } from './activities.js';
import { BARE_TASK_QUEUE } from './workflow.js';

export interface BareWorkerOptions {
  temporalAddress: string;
  namespace: string;
  natsUrl: string;
  /** Identity and TLS for NATS; reconnection is without limit, as in the service. */
  nats?: ConnectionOptions;
  gateway: { baseUrl: string; clientId: string; secret: string; timeoutMs: number };
  /** The bare API's webhook (…/bare/notify), sent as PAY's notifyUrl. */
  notifyUrl: string;
}

const SELF = fileURLToPath(import.meta.url);
/** workflow.ts under tsx, workflow.js once compiled: the same extension as this file. */
export const bareWorkflowsPath = fileURLToPath(new URL(`./workflow${extname(SELF)}`, import.meta.url));

/** Same de-duplication window as the service's stream (events/names.ts DUPLICATE_WINDOW_MS). */
const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

/** Creates the stream when it is missing; an existing one is left as it is. */
async function ensureBareStream(jsm: JetStreamManager): Promise<void> {
  try {
    await jsm.streams.info(BARE_STREAM);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add({
      name: BARE_STREAM,
      subjects: [`${BARE_SUBJECT_PREFIX}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    });
  }
}

export async function startBareWorker(opts: BareWorkerOptions): Promise<{ stop(): Promise<void> }> {
  const nats = await connect({ maxReconnectAttempts: -1, reconnectTimeWait: 1_000, ...opts.nats, servers: opts.natsUrl, name: 'bench-bare-worker' });
  try {
    await ensureBareStream(await nats.jetstreamManager());
  } catch (err) {
    await nats.close();
    throw err;
  }
  const connection = await NativeConnection.connect({ address: opts.temporalAddress });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: BARE_TASK_QUEUE,
    activities: bareActivities({ gateway: new GatewayClient(opts.gateway), js: nats.jetstream(), notifyUrl: opts.notifyUrl }),
    workflowsPath: bareWorkflowsPath,
  });
  const run = worker.run();
  return {
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run;
      await connection.close();
      await nats.drain();
    },
  };
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

// Run as a script: settings from BARE_* env vars.
if (process.argv[1] && realpathSync(process.argv[1]) === realpathSync(SELF)) {
  const env = process.env;
  const worker = await startBareWorker({
    temporalAddress: env.BARE_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: env.BARE_NAMESPACE ?? 'default',
    natsUrl: env.BARE_NATS_URL ?? 'nats://127.0.0.1:4222',
    ...(env.BARE_NATS_USER && { nats: { user: env.BARE_NATS_USER, pass: env.BARE_NATS_PASSWORD ?? '' } }),
    gateway: {
      baseUrl: required('BARE_GATEWAY_URL'),
      clientId: required('BARE_GATEWAY_CLIENT_ID'),
      secret: required('BARE_GATEWAY_SECRET'),
      timeoutMs: Number(env.BARE_GATEWAY_TIMEOUT_MS ?? 10_000),
    },
    notifyUrl: required('BARE_NOTIFY_URL'),
  });
  console.error(`bare worker running on task queue ${BARE_TASK_QUEUE}`);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop().then(() => process.exit(0)));
}
