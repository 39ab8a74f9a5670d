// The Temporal runtime's logger, bridged to the service's one log format (telemetry/logger.ts): the
// SDK's own lines, the core's (forwarded), and every workflow's and activity's `log` calls go
// through it, with the SDK's fields (workflowId, activityType, taskQueue, sdkComponent, ...).
import { DefaultLogger, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../telemetry/logger.js';

const PINO_LEVELS = { TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const;

export function runtimeLogger(logger: Logger, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, ({ level: entryLevel, message, meta }) => logger[PINO_LEVELS[entryLevel]](meta ?? {}, message));
}
