// The human summary of a chaos run: the figures, the invariant table, the first problems.
import type { ChaosResult } from './run.js';
import type { Check } from './verify.js';

const LABELS: Record<Check, string> = {
  lost: 'payments lost (accepted, no workflow/view)',
  stuck: 'payments stuck (not final at the end)',
  paidTwice: 'paid twice upstream',
  refundedPastAmount: 'refunded past the amount',
  eventsNotExactlyOnce: 'events not exactly once in sequence',
  viewGatewayEventsDisagree: 'view ≠ gateway ≠ last event',
};

export function formatReport(r: ChaosResult, problemsShown = 20): string {
  const lines: string[] = [];
  const pad = (s: string, w: number) => s.padEnd(w);
  const row = (k: string, v: string | number) => lines.push(`  ${pad(k, 46)} ${v}`);
  lines.push('', `chaos run ${r.ok ? 'PASSED' : 'FAILED'} (seed ${r.seed})`, '');
  row('payments (N)', r.n);
  row('products', Object.entries(r.info.byProduct).map(([k, v]) => `${k} ${v}`).join(', '));
  row('concurrency', r.concurrency);
  row('duration (whole run)', `${(r.durationMs / 1000).toFixed(1)} s`);
  row('load', `${(r.loadMs / 1000).toFixed(1)} s, ${r.paymentsPerSecond.toFixed(2)} payments/s`);
  row('settle (faults off → all final)', `${(r.info.settleMs / 1000).toFixed(1)} s`);
  row('disruptions done', `${r.disruptionsDone}/${r.disruptionsPlanned}: ${r.disruptions.map((d) => `${d.kind}${d.ok ? '' : ' (FAILED)'} @${(d.startedAt / 1000).toFixed(0)}s down ${(d.downMs / 1000).toFixed(1)}s`).join(', ')}`);
  row('accepted / not accepted / unanswered', `${r.info.accepted} / ${r.info.notAccepted} / ${r.info.unanswered}`);
  row('final status', Object.entries(r.info.finalStatus).map(([k, v]) => `${k} ${v}`).join(', '));
  row('refunds succeeded / failed', `${r.info.refundsSucceeded} / ${r.info.refundsFailed}`);
  row('events in the stream', r.info.events);
  row('worker starts / unexpected exits', `${r.info.workerStarts} / ${r.info.unexpectedExits.length}${r.info.unexpectedExits.length ? ` (${r.info.unexpectedExits.map((e) => `${e.name} @${(e.atMs / 1000).toFixed(0)}s code ${e.code} ${e.signal ?? ''}`).join(', ')})` : ''}`);
  if (r.info.streamError) row('stream read error', r.info.streamError);
  lines.push('', `  ${pad('invariant', 46)} count`, `  ${'-'.repeat(46)} -----`);
  for (const [k, label] of Object.entries(LABELS) as [Check, string][]) lines.push(`  ${pad(label, 46)} ${r.counts[k]}`);
  lines.push(`  ${pad('(notice) status seen in a view, never an event', 46)} ${r.notices.statusSeenWithoutEvent}`);
  lines.push(`  ${pad('(known SDK defect) workflow fails to replay', 46)} ${r.notices.knownSdkDefect}`);
  if (r.problems.length) {
    // Broken invariants first, notices after.
    const isNotice = (p: { check: string }) => p.check === 'statusSeenWithoutEvent' || p.check === 'knownSdkDefect';
    const sorted = [...r.problems].sort((a, b) => Number(isNotice(a)) - Number(isNotice(b)));
    lines.push('', `problems and notices (first ${Math.min(problemsShown, sorted.length)} of ${sorted.length}):`);
    for (const p of sorted.slice(0, problemsShown)) lines.push(`  [${p.check}] ${p.paymentId}: ${p.detail}`);
  }
  if (r.error) lines.push('', `error: ${r.error}`);
  if (r.dataDir) lines.push('', `servers' data and the API/worker logs kept in ${r.dataDir}`);
  lines.push('');
  return lines.join('\n');
}
