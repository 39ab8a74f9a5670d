// The service's own processes (the worker) started the way the embedded servers are: tied to the
// process that started them by the parent-death signal (devservers/servers.ts), their output passed
// on, and ready once they print their ready line. From source they run under tsx, from dist/ as
// plain JavaScript; `supervise()` restarts one that exits on its own.
import { join } from 'node:path';
import { PROJECT_ROOT, SOURCE_EXT } from '../config/project-root.js';
import { launch, ready, ServerStartError, type RunningServer } from './servers.js';

export interface NodeProcessOptions {
  /** Pass its output on to ours (default), or read it and keep only the end for error messages. */
  output?: 'forward' | 'ignore';
  /** How it is called in messages. */
  name: string;
  /** The entry point relative to the project's source root, without extension: `worker/main`. */
  entry: string;
  env: NodeJS.ProcessEnv;
  /** Printed (stdout or stderr) once it is ready. */
  readyLine: RegExp;
  timeoutMs?: number;
  /** Options for node itself, before the entry (e.g. --cpu-prof). */
  nodeArgs?: string[];
  /** Run `npm run build`'s dist/ copy even from source (bench/startup.ts compares the two). */
  compiled?: boolean;
}

export async function startNodeProcess(opts: NodeProcessOptions): Promise<RunningServer> {
  const fromSource = SOURCE_EXT === '.ts' && !opts.compiled;
  const entry = fromSource ? join(PROJECT_ROOT, `${opts.entry}.ts`) : join(PROJECT_ROOT, 'dist', `${opts.entry}.js`);
  const args = [...(opts.nodeArgs ?? []), ...(fromSource ? ['--import', 'tsx', entry] : [entry])];
  const launched = launch(process.execPath, args, opts.output ?? 'forward', opts.env);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  await ready(launched, async () => {
    const deadline = Date.now() + timeoutMs;
    while (!opts.readyLine.test(launched.output())) {
      const { exitCode, signalCode } = launched.child;
      if (exitCode !== null || signalCode !== null) throw new ServerStartError(`${opts.name} exited (code ${exitCode}, signal ${signalCode}) before it was ready`);
      if (Date.now() > deadline) throw new Error(`${opts.name} was not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  return { url: opts.entry, pid: launched.pid, exited: launched.exited, stop: launched.stop };
}

/** A config as the environment of a child process: every set value as a string, on top of ours. */
export function configEnv(config: Record<string, unknown>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(config)) {
    if (value === undefined) delete env[key];
    else env[key] = String(value);
  }
  return env;
}
