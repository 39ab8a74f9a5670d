// The one log format of the service (README "Logs"): pino's JSON lines, the same for the API, the
// worker (the Temporal runtime's logger, which carries workflow, activity and SDK core logs, is
// bridged to it in worker/from-config.ts) and the sandbox. Each line has an ISO `time`, `level` as
// a word, `service`, `msg`, and `trace_id`/`span_id` when it is written inside a traced span.
// Secrets never reach a line: no code logs headers or bodies, and the paths below are redacted in
// case a future line does.
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type Logger, type LoggerOptions } from 'pino';
import type { Config } from '../config/config.js';

export type { Logger };
export type LogLevel = Config['LOG_LEVEL'];

/** The `service` of each process's lines (and of its spans: telemetry/tracing.ts). */
export const SERVICE_NAMES = { api: 'alipay-cn-api', worker: 'alipay-cn-worker', sandbox: 'alipay-cn-sandbox' } as const;
export type ServiceName = (typeof SERVICE_NAMES)[keyof typeof SERVICE_NAMES];

/** Never written, wherever they appear in a line's fields. */
export const REDACTED_PATHS = [
  'authorization',
  'signature',
  'secret',
  '*.authorization',
  '*.signature',
  '*.secret',
  'req.headers.authorization',
  'req.headers.signature',
  'headers.authorization',
  'headers.signature',
];

/**
 * The active span's ids, so a log line can be found from its trace and the other way round; not
 * when the logger already carries them (an API request's logger: api/request-tracing.ts).
 */
function traceFields(_line: object, _level: number, logger: Logger): Record<string, string> {
  const span = trace.getActiveSpan();
  if (!span || 'trace_id' in logger.bindings()) return {};
  const context = span.spanContext();
  return isSpanContextValid(context) ? { trace_id: context.traceId, span_id: context.spanId } : {};
}

export function loggerOptions(service: ServiceName, level: LogLevel): LoggerOptions {
  return {
    level,
    base: { service, pid: process.pid },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceFields,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
  };
}

/** A process's logger, to stdout (or `destination`: tests read the lines back). */
export function createLogger(service: ServiceName, level: LogLevel, destination?: pino.DestinationStream): Logger {
  return destination ? pino(loggerOptions(service, level), destination) : pino(loggerOptions(service, level));
}

/**
 * Lines that must be written whatever LOG_LEVEL says (the worker's ready line, which `npm start`,
 * the bench and the chaos run wait for), in the same format.
 */
export function alwaysWritten(logger: Logger): Logger {
  return logger.child({}, { level: 'info' });
}
