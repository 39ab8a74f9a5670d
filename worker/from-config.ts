// The worker as the config describes it: shared by worker/main.ts and `npm start`.
import { Runtime, makeTelemetryFilterString, type MetricsExporterConfig } from '@temporalio/worker';
import { BUSINESS_HISTOGRAM_BUCKETS } from '../activities/business-metrics.js';
import { setFlagsFromString } from 'node:v8';
import { endpoints, maxCachedWorkflows, type Config } from '../config/config.js';
import { natsOptions, temporalOptions } from '../config/connections.js';
import { createLogger, SERVICE_NAMES, type Logger } from '../telemetry/logger.js';
import { tracingFromConfig } from '../telemetry/tracing.js';
import { runtimeLogger } from './runtime-logger.js';
import { startWorker, type RunningWorker } from './worker.js';

const TEMPORAL_LEVELS = { fatal: 'ERROR', error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG', trace: 'TRACE', silent: 'ERROR' } as const;

let runtimeInstalled = false;
/** The worker process's logger: the one format (telemetry/logger.ts) at LOG_LEVEL. */
export function workerLogger(config: Pick<Config, 'LOG_LEVEL'>): Logger {
  return createLogger(SERVICE_NAMES.worker, config.LOG_LEVEL);
}

/**
 * The SDK's own logs, the workflows' and the activities' go to `logger` at LOG_LEVEL (the core's at
 * WARN at most, they are chatty); its metrics and the business histograms go to a Prometheus
 * endpoint on WORKER_METRICS_PORT (0: none).
 */
export function installRuntime(config: Config, logger: Logger): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = TEMPORAL_LEVELS[config.LOG_LEVEL];
  const metrics = workerMetricsExporter(config);
  try {
    Runtime.install({
      logger: runtimeLogger(logger, level),
      telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} }, ...(metrics && { metrics }) },
    });
  } catch (err) {
    if (!metrics) throw err;
    throw new Error(`WORKER_METRICS_PORT: no metrics endpoint on ${workerMetricsAddress(config)}: ${(err as Error).message} (choose another port, or 0 for none)`);
  }
}

/** host:port of the worker's Prometheus endpoint, or null when WORKER_METRICS_PORT is 0. */
export function workerMetricsAddress(config: Pick<Config, 'WORKER_METRICS_HOST' | 'WORKER_METRICS_PORT'>): string | null {
  if (config.WORKER_METRICS_PORT === 0) return null;
  const host = config.WORKER_METRICS_HOST.includes(':') ? `[${config.WORKER_METRICS_HOST}]` : config.WORKER_METRICS_HOST;
  return `${host}:${config.WORKER_METRICS_PORT}`;
}

/**
 * The SDK runtime's Prometheus exporter (README "Metrics"): the SDK's own metrics (`temporal_*`,
 * its defaults: durations in milliseconds, counters without `_total`) and the business histograms
 * (activities/business-metrics.ts) with their buckets in seconds, at http://<address>/metrics.
 */
export function workerMetricsExporter(config: Pick<Config, 'WORKER_METRICS_HOST' | 'WORKER_METRICS_PORT'>): MetricsExporterConfig | undefined {
  const bindAddress = workerMetricsAddress(config);
  if (bindAddress === null) return undefined;
  return { prometheus: { bindAddress, histogramBucketOverrides: BUSINESS_HISTOGRAM_BUCKETS } };
}

/**
 * Bounds the heap of the isolates created from now on, i.e. the workflow thread's, to
 * WORKER_CACHE_MEMORY_MB. V8 otherwise sizes every heap from the machine's memory (about 4 GiB
 * here) and lets garbage pile up long before it collects: with thousands of open payments
 * replaying in and out of the cache, the worker's RSS doubled. The cached payments themselves use
 * far less (README "Benchmark"). Call it once per process, before the worker starts; the main
 * thread's heap is left as it is.
 */
export function boundWorkflowHeap(config: Pick<Config, 'WORKER_CACHE_MEMORY_MB'>): void {
  setFlagsFromString(`--max-old-space-size=${config.WORKER_CACHE_MEMORY_MB}`);
}

export function workerFromConfig(config: Config, logger: Logger): Promise<RunningWorker> {
  installRuntime(config, logger);
  const e = endpoints(config);
  return startWorker({
    temporalAddress: e.temporalAddress,
    namespace: config.TEMPORAL_NAMESPACE,
    natsUrl: e.natsUrl,
    nats: natsOptions(config),
    temporal: temporalOptions(config),
    maxCachedWorkflows: maxCachedWorkflows(config),
    gateway: { baseUrl: e.upstreamBaseUrl, clientId: config.GATEWAY_CLIENT_ID, secret: config.GATEWAY_SECRET, timeoutMs: config.GATEWAY_TIMEOUT_MS },
    notifyUrl: e.notifyUrl,
    eventsMaxAgeMs: config.EVENTS_MAX_AGE_DAYS * 24 * 3_600_000,
    tracing: tracingFromConfig(config, SERVICE_NAMES.worker),
  });
}
