// The workflow bundle's interceptors (worker/bundle.ts): OpenTelemetry's workflow interceptors, for
// the payments that are traced, and nothing for the others.
//
// Each workflow evaluates the modules it loads (only PRELOADED_MODULES are shared), and
// OpenTelemetry's SDK is large. So it is loaded only when a payment is traced: when its start, or
// a later signal or accepted update, carries the trace context the API's Temporal client puts in
// the headers, which it does only while the API traces (README "Traces"). Until then every call
// passes straight through. Those three are in the history, so a replay loads it at the same point.
// Queries and update validators never load it (they are not in the history: loading there would
// make the original run and its replay differ); they are traced only once it is loaded.
//
// Once loaded, OpenTelemetry draws span ids from the workflow's seeded random generator, queries
// and validators included (which replay does not repeat). The workflow itself must therefore never
// draw random numbers or random ids (xstate draws them only for delayed events, which the machines do
// not use); test/determinism.test.ts keeps the workflow files free of them.
import type { Headers } from '@temporalio/common';
import type { WorkflowInterceptors } from '@temporalio/workflow';

/** Where @temporalio/interceptors-opentelemetry carries the context (its TRACE_HEADER). */
const TRACE_HEADER = '_tracer-data';

type Method = (input: unknown, next: (input: unknown) => unknown) => unknown;
type Interceptor = Partial<Record<string, Method>>;

/** The inbound calls whose headers may load it (each recorded in the history), and the others. */
const RECORDED = ['execute', 'handleSignal', 'handleUpdate'] as const;
const READ_ONLY = ['validateUpdate', 'handleQuery'] as const;
const OUTBOUND = [
  'scheduleActivity',
  'scheduleLocalActivity',
  'startNexusOperation',
  'startChildWorkflowExecution',
  'continueAsNew',
  'signalWorkflow',
  'getLogAttributes',
  'getMetricTags',
] as const;
const INTERNALS = ['dispose'] as const;

/** OpenTelemetry's workflow interceptors: evaluated here, on first use, in this workflow only. */
function loadTracing(): WorkflowInterceptors {
  // A CommonJS require, so webpack evaluates the module when this runs, not when the bundle loads.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const otel = require('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors') as { interceptors: () => WorkflowInterceptors };
  return otel.interceptors();
}

/** An interceptor whose methods call `current()`'s, or pass through while there is none. */
function delegating(methods: readonly string[], current: () => Interceptor | undefined, seen?: (input: unknown) => void): Interceptor {
  return Object.fromEntries(
    methods.map((method): [string, Method] => [
      method,
      (input, next) => {
        seen?.(input);
        const target = current();
        const fn = target?.[method];
        return fn ? fn.call(target, input, next) : next(input);
      },
    ]),
  );
}

export const interceptors = (): WorkflowInterceptors => {
  let tracing: WorkflowInterceptors | undefined;
  const traceIfAsked = (input: unknown) => {
    const headers = (input as { headers?: Headers } | undefined)?.headers;
    if (!tracing && headers?.[TRACE_HEADER] !== undefined) tracing = loadTracing();
  };
  const first = (kind: 'inbound' | 'outbound' | 'internals') => () => tracing?.[kind]?.[0] as Interceptor | undefined;
  return {
    inbound: [{ ...delegating(RECORDED, first('inbound'), traceIfAsked), ...delegating(READ_ONLY, first('inbound')) }],
    outbound: [delegating(OUTBOUND, first('outbound'))],
    internals: [delegating(INTERNALS, first('internals'))],
  } as WorkflowInterceptors;
};
