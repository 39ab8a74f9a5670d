// `npm start` is a chain: npm → `sh -c …` → tsx's relay process → the Node process running
// scripts/start.ts. A `kill -9` of npm (or of tsx's relay) kills only that process: the rest keeps
// running, servers and all, without anyone to stop it. So start.ts watches the processes that
// launched it only to wait for it and stops cleanly as soon as one of them is gone. (Its servers
// die with start.ts itself through the kernel's parent-death signal: devservers/servers.ts.)
// Linux only (/proc); elsewhere the chain is empty and nothing is watched.
import { readFileSync } from 'node:fs';

interface ProcStat {
  ppid: number;
  /** Start time in clock ticks since boot: tells a live process from a new one with a reused pid. */
  startTime: string;
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // pid (comm) state ppid … starttime is field 22; comm may hold spaces and parentheses.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return undefined;
    return { ppid: Number(fields[1]), startTime: fields[19]! };
  } catch {
    return undefined;
  }
}

const readNulList = (path: string): string[] => {
  try {
    return readFileSync(path, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
};

const isTsxRelay = (argv: string[]) => argv.some((a) => /(^|[\\/])tsx([\\/]dist[\\/]cli\.mjs)?$/.test(a));

export interface Launcher {
  pid: number;
  name: string;
  startTime: string;
}

/**
 * The processes between us and whoever asked for us: tsx's relay, and when a package manager runs
 * the script (npm_lifecycle_script is set) every ancestor that carries the same script in its
 * environment plus the package manager above them. Nearest first.
 */
export function launchers(): Launcher[] {
  if (process.platform !== 'linux') return [];
  const script = process.env.npm_lifecycle_script;
  const chain: Launcher[] = [];
  let pid = process.ppid;
  let previousInScript = false;
  while (pid > 1) {
    const stat = procStat(pid);
    if (!stat) break;
    const argv = readNulList(`/proc/${pid}/cmdline`);
    const inScript = script !== undefined && readNulList(`/proc/${pid}/environ`).includes(`npm_lifecycle_script=${script}`);
    const name = readNulList(`/proc/${pid}/comm`)[0]?.trim() ?? String(pid);
    if (!inScript && !isTsxRelay(argv)) {
      if (previousInScript) chain.push({ pid, name, startTime: stat.startTime }); // the package manager
      break;
    }
    chain.push({ pid, name, startTime: stat.startTime });
    previousInScript = inScript;
    pid = stat.ppid;
  }
  return chain;
}

/** Calls `onGone` (once) when one of `watched` has exited; checks every `intervalMs`. Returns a canceller. */
export function watchLaunchers(watched: Launcher[], onGone: (gone: Launcher) => void, intervalMs = 1_000): () => void {
  if (watched.length === 0) return () => {};
  const timer = setInterval(() => {
    const gone = watched.find((l) => procStat(l.pid)?.startTime !== l.startTime);
    if (gone) {
      clearInterval(timer);
      onGone(gone);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
