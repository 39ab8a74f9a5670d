// Determinism guard: histories recorded from real runs (scripts/record-histories.ts) must replay
// against today's workflow code. A change that would break running payments fails here.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';
import { workflowSpanSinks } from '../worker/worker.js';

const dir = join(ROOT, 'test', 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

describe('replay of recorded histories', () => {
  it('has histories to replay', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
  });

  it.each(files)('%s replays without a determinism violation', async (file) => {
    const history = historyFromJSON(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: workflowSpanSinks() }, history, file.replace(/\.json$/, '')),
    ).resolves.toBeUndefined();
  });
});
