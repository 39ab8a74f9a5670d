// How the workflow code is bundled, in one place: the worker bundling at start, `npm run build`
// (scripts/bundle-workflows.ts) and the tests' shared bundle all use these options.
//
// Two choices keep an open payment cheap (issue 8, README "Benchmark"):
// - preloadModules: the SDK evaluates these once per worker thread and shares them, deep-frozen,
//   with every workflow, instead of evaluating them again for each one. The four payment machines
//   (the bulk of a workflow's memory when built per workflow) and xstate are pure definitions, so
//   sharing them is safe: nothing in them holds per-payment state (xstate's module-level actor id
//   counter only names actors, and the workflow creates none: it calls the pure transition()).
//   Modules that import @temporalio/workflow stay per workflow.
// - production mode: minified and tree-shaken (about a third smaller), with the inline source map
//   the SDK needs to map workflow stack traces back to the sources.
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import { SOURCE_EXT } from '../config/project-root.js';

const here = (path: string) => fileURLToPath(new URL(`../${path}${SOURCE_EXT}`, import.meta.url));

export const workflowsPath = here('workflows/index');

/** Shared by every workflow of a worker: pure, no per-workflow state (see above). */
export const PRELOADED_MODULES = ['xstate', here('machines/index'), here('workflows/view'), here('events/names')];

/**
 * In every workflow: OpenTelemetry's workflow interceptors, loaded only for payments that are
 * traced (workflows/tracing.ts; README "Traces"). They continue the trace the API's start or update
 * carries in its headers, pass it on to activities, and hand their spans to the worker's `exporter`
 * sink (worker/worker.ts). They issue no command, so histories recorded without them replay.
 */
export const WORKFLOW_INTERCEPTOR_MODULES = [here('workflows/tracing')];

type WebpackConfig = Parameters<NonNullable<Parameters<typeof bundleWorkflowCode>[0]['webpackConfigHook']>>[0];

export const bundlerOptions = {
  preloadModules: PRELOADED_MODULES,
  webpackConfigHook: (config: WebpackConfig): WebpackConfig => ({
    ...config,
    mode: 'production',
    optimization: { ...config.optimization, minimize: true },
    module: {
      ...config.module,
      rules: [
        ...(config.module?.rules ?? []),
        // workflows/tracing loads OpenTelemetry with a CommonJS require, so that it is evaluated
        // only when called. Compiled to dist/ under "type": "module", webpack would read the file
        // as strict ESM and leave that require unbundled; this keeps it a mixed module everywhere.
        { test: /[\\/]workflows[\\/]tracing\.(ts|js)$/, type: 'javascript/auto' },
      ],
    },
  }),
};

const quiet = { info() {}, warn: console.warn, error: console.error, debug() {}, trace() {}, log() {} };

/** The bundle the worker runs; built once by `npm run build` and by the tests' global setup. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({ workflowsPath, ...bundlerOptions, workflowInterceptorModules: WORKFLOW_INTERCEPTOR_MODULES, logger: quiet as never });
}
