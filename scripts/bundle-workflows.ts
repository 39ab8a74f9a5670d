// The second half of `npm run build`: bundles the compiled workflows (dist/workflows/index.js) into
// dist/workflow-bundle.js once, so a worker started from dist/ loads it instead of running webpack
// at every start (worker/worker.ts picks it up). Run from dist/: `node dist/scripts/bundle-workflows.js`.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root.js';
import { bundleWorkflows, workflowsPath } from '../worker/bundle.js';
import { prebuiltBundlePath } from '../worker/worker.js';

const started = Date.now();
const { code } = await bundleWorkflows();
writeFileSync(prebuiltBundlePath, code);
console.log(`[build] ${relative(PROJECT_ROOT, prebuiltBundlePath)}: ${(code.length / 1e6).toFixed(2)} MB from ${relative(PROJECT_ROOT, workflowsPath)} in ${Date.now() - started} ms`);
