// The worker as the config describes it: shared by worker/main.ts and `npm start`.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { endpoints, maxCachedWorkflows, type Config } from '../config/config.js';
import { natsOptions, temporalOptions } from '../config/connections.js';
import { startWorker, type RunningWorker } from './worker.js';

const TEMPORAL_LEVELS = { fatal: 'ERROR', error: 'ERROR', warn: 'WARN', info: 'INFO', debug: 'DEBUG', trace: 'TRACE', silent: 'ERROR' } as const;

let runtimeInstalled = false;
/** The SDK's own logs follow LOG_LEVEL (the core's at WARN at most, they are chatty). */
export function installRuntime(config: Config): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const level = TEMPORAL_LEVELS[config.LOG_LEVEL];
  Runtime.install({
    logger: new DefaultLogger(level),
    telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'WARN' }), forward: {} } },
  });
}

export function workerFromConfig(config: Config): Promise<RunningWorker> {
  installRuntime(config);
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
  });
}
