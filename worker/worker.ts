// Builds the worker: activities from their clients, the workflow bundle, the contract task queue.
import { NativeConnection, Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { connect, type ConnectionOptions as NatsOptions, type NatsConnection } from 'nats';
import { RECONNECT_FOREVER, type TemporalConnectOptions } from '../config/connections.js';
import { fileURLToPath } from 'node:url';
import { createActivities } from '../activities/index.js';
import { ensureStream } from '../events/stream.js';
import { GatewayClient } from '../gateway/client.js';
import { TASK_QUEUE } from '../workflows/messages.js';

export interface WorkerOptions {
  temporalAddress: string;
  namespace: string;
  natsUrl: string;
  /** Identity and TLS for NATS (config/connections.ts natsOptions); reconnection is always without limit. */
  nats?: Partial<NatsOptions>;
  /** mTLS or API key for Temporal (config/connections.ts temporalOptions). */
  temporal?: TemporalConnectOptions;
  gateway: { baseUrl: string; clientId: string; secret: string; timeoutMs: number };
  notifyUrl: string;
  /** Open payments kept in memory (config maxCachedWorkflows()); the SDK's default when absent. */
  maxCachedWorkflows?: number;
  /** A prebuilt bundle (tests build it once); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkflowBundleOption;
}

export interface RunningWorker {
  worker: Worker;
  nats: NatsConnection;
  run: Promise<void>;
  stop(): Promise<void>;
}

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const nats = await connect({ ...RECONNECT_FOREVER, ...opts.nats, servers: opts.natsUrl, name: 'alipay-cn-worker' });
  await ensureStream(await nats.jetstreamManager());
  const connection = await NativeConnection.connect({ address: opts.temporalAddress, ...opts.temporal });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: TASK_QUEUE,
    ...(opts.maxCachedWorkflows !== undefined && { maxCachedWorkflows: opts.maxCachedWorkflows }),
    activities: createActivities({ gateway: new GatewayClient(opts.gateway), js: nats.jetstream(), notifyUrl: opts.notifyUrl }),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath }),
  });
  const run = worker.run();
  return {
    worker,
    nats,
    run,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await run;
      await connection.close();
      await nats.drain();
    },
  };
}
