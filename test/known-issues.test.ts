// The Temporal SDK defect in docs/known-issues: the recorded history really fails to replay
// (so the note stays true, and this fails once an SDK release fixes it: then drop the note), and
// the API answers such a payment's GET with 503 PAYMENT_UNAVAILABLE, not 500.
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { QueryNotRegisteredError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { paymentUnavailableError } from '../api/temporal-errors.js';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';
import { workflowSpanSinks } from '../worker/worker.js';

const HISTORY = join(ROOT, 'docs', 'known-issues', 'sdk-nde-updates-after-wft-timeout.history.json');

describe('known SDK defect: updates in the task after a timed-out workflow task', () => {
  it('still fails to replay with the nondeterminism error the note describes', async () => {
    const history = historyFromJSON(JSON.parse(readFileSync(HISTORY, 'utf8')));
    await expect(
      Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') }, sinks: workflowSpanSinks() }, history, 'known-issue'),
    ).rejects.toThrow(/Update machine does not handle this event: HistoryEvent\(id: 18, UpsertWorkflowSearchAttributes\)/);
  });

  it('turns the query failure it causes into 503 PAYMENT_UNAVAILABLE', () => {
    const failure = new QueryNotRegisteredError('[TMPRL1100] Nondeterminism error: Update machine does not handle this event', 3 as never);
    expect(paymentUnavailableError(failure)?.body().error.code).toBe('PAYMENT_UNAVAILABLE');
    expect(paymentUnavailableError(failure)?.status).toBe(503);
    expect(paymentUnavailableError(new Error('something else'))).toBeNull();
  });
});
