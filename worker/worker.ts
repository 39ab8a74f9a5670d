// Builds the worker: activities from their clients, the workflow bundle, the contract task queue.
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry';
import { NativeConnection, Runtime, Worker, type WorkerInterceptors, type WorkflowBundleOption } from '@temporalio/worker';
import type { WorkflowInfo } from '@temporalio/workflow';
import { connect, type ConnectionOptions as NatsOptions, type NatsConnection } from 'nats';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { businessMetrics } from '../activities/business-metrics.js';
import { createActivities } from '../activities/index.js';
import { RECONNECT_FOREVER, type TemporalConnectOptions } from '../config/connections.js';
import { SOURCE_EXT } from '../config/project-root.js';
import { ensureStream } from '../events/stream.js';
import { GatewayClient } from '../gateway/client.js';
import { DROP_SPANS, type Tracing } from '../telemetry/tracing.js';
import { logGatewayCall } from '../activities/gateway-log.js';
import { TASK_QUEUE } from '../workflows/messages.js';
import { bundlerOptions, WORKFLOW_INTERCEPTOR_MODULES, workflowsPath } from './bundle.js';

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
  /**
   * A bundle built beforehand (tests build it once). Otherwise the one `npm run build` wrote next
   * to the compiled code (dist/workflow-bundle.js) when running from dist/, else the workflows are
   * bundled at start (from source).
   */
  workflowBundle?: WorkflowBundleOption;
  /** The queue it polls; TASK_QUEUE when absent (tests give each service its own, so workers of other test files never take its payments). */
  taskQueue?: string;
  /** How long the stream keeps events (EVENTS_MAX_AGE_DAYS); events/stream.ts's default when absent. */
  eventsMaxAgeMs?: number;
  /** Spans for workflows, activities and gateway calls (telemetry/tracing.ts); none when absent. */
  tracing?: Tracing | null;
}

export interface RunningWorker {
  worker: Worker;
  nats: NatsConnection;
  run: Promise<void>;
  /** Where its workflow code came from: `prebuilt bundle <path>`, `bundled at start`, `bundle given`. */
  bundle: string;
  stop(): Promise<void>;
}

/** What worker/main.ts prints once it polls; `npm start` and the bench wait for it. */
export const WORKER_READY_LINE = 'worker running on task queue';

/** Written by `npm run build` (scripts/bundle-workflows.ts); exists only beside the compiled code. */
export const prebuiltBundlePath = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

function workflowCode(
  given: WorkflowBundleOption | undefined,
): { option: { workflowBundle: WorkflowBundleOption } | { workflowsPath: string; bundlerOptions: typeof bundlerOptions }; bundle: string } {
  if (given) return { option: { workflowBundle: given }, bundle: 'bundle given' };
  if (SOURCE_EXT === '.js' && existsSync(prebuiltBundlePath)) {
    return { option: { workflowBundle: { codePath: prebuiltBundlePath } }, bundle: `prebuilt bundle ${prebuiltBundlePath}` };
  }
  return { option: { workflowsPath, bundlerOptions }, bundle: 'bundled at start' };
}

/** Whether the connection is up, kept current from its status events. */
function followStatus(nats: NatsConnection): () => boolean {
  let up = true;
  void (async () => {
    for await (const s of nats.status()) {
      if (s.type === 'disconnect') up = false;
      else if (s.type === 'reconnect') up = true;
    }
  })();
  return () => up && !nats.isClosed();
}

/**
 * The sink the workflows' spans (made in the sandbox by the bundle's tracing interceptors,
 * worker/bundle.ts) leave through: to the tracing's processor, or dropped when tracing is off.
 * Every worker running the bundle registers it (the test harnesses too).
 */
export function workflowSpanSinks(tracing: Tracing | null = null) {
  const to = tracing ?? DROP_SPANS;
  const sink = makeWorkflowExporter(to.spanProcessor, to.resource);
  // The SDK adds the whole WorkflowInfo to each span's attributes (memo, search attributes, retry
  // policy, ...); the span needs which workflow it was, nothing of the payment.
  const fn: typeof sink.export.fn = (info, spans) => sink.export.fn(Object.fromEntries(SPAN_INFO.map((key) => [key, info[key]])) as unknown as WorkflowInfo, spans);
  return { exporter: { export: { ...sink.export, fn } } };
}

/** What of a workflow's info its spans carry. */
const SPAN_INFO = ['workflowId', 'runId', 'workflowType', 'taskQueue', 'namespace', 'attempt'] as const satisfies readonly (keyof WorkflowInfo)[];

/** Each activity runs in a span continuing its workflow's, and its log lines carry the trace ids. */
function activityTracing(tracing: Tracing): WorkerInterceptors {
  return {
    activity: [
      (ctx) => ({
        inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
        outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
      }),
    ],
  };
}

export async function startWorker(opts: WorkerOptions): Promise<RunningWorker> {
  const nats = await connect({ ...RECONNECT_FOREVER, ...opts.nats, servers: opts.natsUrl, name: 'alipay-cn-worker' });
  await ensureStream(await nats.jetstreamManager(), opts.eventsMaxAgeMs);
  const code = workflowCode(opts.workflowBundle);
  const connection = await NativeConnection.connect({ address: opts.temporalAddress, ...opts.temporal });
  // The business histograms go through the SDK runtime's meter, to its Prometheus exporter when one
  // is installed (worker/from-config.ts installRuntime, WORKER_METRICS_PORT); else nowhere.
  const metrics = businessMetrics(Runtime.instance().metricMeter);
  const tracing = opts.tracing ?? null;
  const gateway = new GatewayClient({
    ...opts.gateway,
    ...(tracing && { tracer: tracing.tracer }),
    onCall: (call) => {
      metrics.gatewayCall(call);
      logGatewayCall(call);
    },
  });
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    ...(opts.maxCachedWorkflows !== undefined && { maxCachedWorkflows: opts.maxCachedWorkflows }),
    // Bundled at start, the workflow interceptors are named here; a prebuilt bundle has them inside.
    interceptors: { ...(tracing && activityTracing(tracing)), ...('workflowsPath' in code.option && { workflowModules: WORKFLOW_INTERCEPTOR_MODULES }) },
    sinks: workflowSpanSinks(tracing),
    activities: createActivities({ gateway, js: nats.jetstream(), notifyUrl: opts.notifyUrl, natsUp: followStatus(nats), metrics }),
    ...code.option,
  });
  const run = worker.run();
  return {
    worker,
    nats,
    run,
    bundle: code.bundle,
    async stop() {
      try {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await run;
        await connection.close();
        await nats.drain();
      } finally {
        await tracing?.forceFlush();
      }
    },
  };
}
