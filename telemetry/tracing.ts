// OpenTelemetry traces (README "Traces"): one trace per payment request, from the API's span
// through the workflow (its spans are made in the workflow sandbox and handed out through a sink),
// its activities and gateway calls, to the event it publishes, which carries the W3C traceparent
// (a CloudEvents extension attribute and a NATS header) so a consumer continues the same trace.
//
// Off unless OTEL_EXPORTER_OTLP_ENDPOINT is set (then spans go to <endpoint>/v1/traces over OTLP
// HTTP); tests hand in their own span processor. Nothing is registered as the global tracer
// provider: the API, the worker and the gateway client are given the tracer, so an API and a worker
// in one process (the tests) each keep their own. What is global, once per process, is how context
// follows awaits (AsyncLocalStorage) and how it is written into headers (W3C trace context).
import { context, propagation, ROOT_CONTEXT, type Context, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, NoopSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from '../config/config.js';
import { SERVICE_VERSION } from '../domain/schema-docs.js';
import type { ServiceName } from './logger.js';

export interface Tracing {
  tracer: Tracer;
  /** Where every span ends, the workflows' included (worker/worker.ts hands it their sink). */
  spanProcessor: SpanProcessor;
  resource: Resource;
  /** Sends what is buffered (tests; before a process exits). */
  forceFlush(): Promise<void>;
  shutdown(): Promise<void>;
}


let contextInstalled = false;
/** Context across awaits, and W3C traceparent/tracestate in carriers; once per process. */
function installContext(): void {
  if (contextInstalled) return;
  contextInstalled = true;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

export function startTracing(service: ServiceName, spanProcessor: SpanProcessor): Tracing {
  installContext();
  const resource = new Resource({ 'service.name': service, 'service.version': SERVICE_VERSION });
  const provider = new BasicTracerProvider({ resource, spanProcessors: [spanProcessor] });
  return {
    tracer: provider.getTracer('alipay-cn-payments', SERVICE_VERSION),
    spanProcessor,
    resource,
    forceFlush: () => provider.forceFlush(),
    shutdown: () => provider.shutdown(),
  };
}

/** Tracing as the config says: OTLP HTTP to OTEL_EXPORTER_OTLP_ENDPOINT, or none (null) when unset. */
export function tracingFromConfig(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT'>, service: ServiceName): Tracing | null {
  const endpoint = config.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!endpoint) return null;
  const url = new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).href;
  return startTracing(service, new BatchSpanProcessor(new OTLPTraceExporter({ url })));
}

/** For the worker's workflow-span sink when tracing is off: the spans are dropped. */
export const DROP_SPANS = { spanProcessor: new NoopSpanProcessor(), resource: Resource.empty() };

/** The traceparent of the active span, when there is one (and tracing is on in this process). */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent;
}

/**
 * The context a caller's headers name (traceparent, tracestate). The W3C propagator ignores a
 * malformed traceparent and the tracer an invalid one (an all-zero id): the span starts a new trace.
 */
export const contextFromHeaders = (headers: Record<string, string | string[] | undefined>): Context => propagation.extract(ROOT_CONTEXT, headers);
