// Numbers for the bench: percentiles of latency samples, and what a process costs as Linux counts it
// (/proc/<pid>/stat CPU time, /proc/<pid>/status resident memory), so each role is measured apart.
import { readFileSync } from 'node:fs';

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : NaN);

export function summary(samples: number[]) {
  const s = [...samples].sort((a, b) => a - b);
  return {
    count: s.length,
    p50: round(percentile(s, 50)),
    p95: round(percentile(s, 95)),
    p99: round(percentile(s, 99)),
    max: round(s.length ? s[s.length - 1] : NaN),
  };
}
export type Summary = ReturnType<typeof summary>;

export const median = (xs: number[]) => summary(xs).p50;

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ: 100 on every Linux we run on). */
const USER_HZ = 100;

/** CPU time (user + system) the process has used so far, in ms; 0 once it is gone. */
export function cpuMs(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const after = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(after[11]) + Number(after[12])) * 1000) / USER_HZ;
  } catch {
    return 0;
  }
}

/** Resident memory of the process in MB (VmRSS), 0 once it is gone. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

/** CPU used by a set of processes between two points: start(), then stop() gives ms per pid and in all. */
export function cpuMeter(pids: Record<string, number>) {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  return () => {
    const used = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid) - before[name]]));
    return { byProcess: used, total: Object.values(used).reduce((a, b) => a + b, 0) };
  };
}

/** Samples a process's RSS every `everyMs` and keeps the peak. */
export function rssPeak(pid: number, everyMs = 250) {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), everyMs);
  timer.unref();
  return { stop: () => (clearInterval(timer), Math.max(peak, rssMb(pid))) };
}
