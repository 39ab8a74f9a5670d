// The disruptions of a run, one after another, each when its share of the payments has started:
// the worker killed with SIGKILL and started again, the Temporal dev server stopped and started on
// the same port and SQLite file, NATS stopped for a while and started on the same port and store.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Cluster } from './cluster.js';
import type { DisruptionKind, DisruptionPlan } from './options.js';

export interface DisruptionRecord {
  kind: DisruptionKind;
  /** ms since the run started. */
  startedAt: number;
  /** How long the component was down (until it was ready again), ms. */
  downMs: number;
  ok: boolean;
  error?: string;
}

/** How many payments have started, as something to await. */
export class Progress {
  private count = 0;
  private waiters: { at: number; resolve: () => void }[] = [];

  get started(): number {
    return this.count;
  }

  startedOne(): void {
    this.count += 1;
    this.waiters = this.waiters.filter((w) => (w.at <= this.count ? (w.resolve(), false) : true));
  }

  reached(at: number): Promise<void> {
    if (this.count >= at) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ at, resolve }));
  }
}

export async function runDisruptions(
  plans: readonly DisruptionPlan[],
  n: number,
  progress: Progress,
  cluster: Cluster,
  t0: number,
  say: (line: string) => void,
): Promise<DisruptionRecord[]> {
  const done: DisruptionRecord[] = [];
  for (const plan of plans) {
    await progress.reached(Math.min(n, Math.max(1, Math.ceil(plan.atFraction * n))));
    const startedAt = Date.now();
    const at = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
    const rec: DisruptionRecord = { kind: plan.kind, startedAt: startedAt - t0, downMs: 0, ok: false };
    try {
      switch (plan.kind) {
        case 'worker-kill':
          say(`[${at()}] disruption: kill -9 the worker (${progress.started}/${n} payments started)`);
          await cluster.killWorker();
          break;
        case 'temporal-restart':
          say(`[${at()}] disruption: stop the Temporal server (${progress.started}/${n} payments started)`);
          await cluster.stopTemporal();
          say(`[${at()}]   Temporal stopped; starting it again on the same port and db file`);
          await cluster.startTemporalAgain();
          break;
        case 'nats-outage':
          say(`[${at()}] disruption: stop NATS for ${((plan.downMs ?? 0) / 1000).toFixed(0)} s (${progress.started}/${n} payments started)`);
          await cluster.stopNats();
          // A deliberate timer: the outage lasts this long.
          await sleep(plan.downMs ?? 0);
          say(`[${at()}]   starting NATS again on the same port and store`);
          await cluster.startNatsAgain();
          break;
      }
      rec.ok = true;
    } catch (err) {
      rec.error = (err as Error).message;
      say(`[${at()}]   disruption ${plan.kind} failed: ${rec.error}`);
    }
    rec.downMs = Date.now() - startedAt;
    say(`[${at()}]   ${plan.kind} done: down ${(rec.downMs / 1000).toFixed(1)} s`);
    done.push(rec);
  }
  return done;
}
