// Starts the real servers the project installs under .tools/ (scripts/setup-servers.mjs): a
// Temporal dev server (Web UI, SQLite file, our search attributes) and nats-server with
// JetStream. Used by `npm start`, the vitest global setup and the benchmark.
//
// Every server dies with the Node process that started it, even when that process is killed with
// SIGKILL and cannot clean up: on Linux the binary is started through a tiny Python wrapper that
// asks the kernel for SIGTERM when its parent dies (prctl PR_SET_PDEATHSIG), then execs the binary
// (same pid, so stop() and the exit status work as if it had been spawned directly).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { PROJECT_ROOT } from '../config/project-root.js';
import { SEARCH_ATTRIBUTE_SPECS } from '../workflows/messages.js';
import { natsAuthorization } from './nats-auth.js';

const BIN = join(PROJECT_ROOT, '.tools', 'venv', 'bin');
export const binaries = {
  temporal: join(BIN, 'temporal'),
  temporalTestServer: join(BIN, 'temporal-test-server'),
  natsServer: join(BIN, 'nats-server'),
  python: join(BIN, 'python'),
};

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningServer {
  url: string;
  /** The server process (the binary itself: the wrapper execs it). */
  pid: number;
  /** Settles when the process has exited, for whatever reason (stop() included). */
  exited: Promise<ServerExit>;
  stop(): Promise<void>;
}

/** `code 1`, `signal SIGKILL`: how a server exit reads in a log line. */
export const describeExit = (e: ServerExit): string => (e.signal ? `signal ${e.signal}` : `code ${e.code}`);

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function requireBinary(path: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run setup:servers\` (node scripts/setup-servers.mjs)`);
}

/** A server that exited before it answered; `output` is the end of what it printed. */
export class ServerStartError extends Error {
  override name = 'ServerStartError';
}

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 60_000, output: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const said = output().trim();
      throw new ServerStartError(`${name} exited (${describeExit({ code: child.exitCode, signal: child.signalCode })}) before it answered${said ? `; it said:\n${said}` : ''}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const s = tcpConnect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`${name} did not open port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => (clearTimeout(kill), resolve()));
      child.kill('SIGTERM');
    });
}

/**
 * PR_SET_PDEATHSIG (prctl option 1) = SIGTERM, then exec. If the parent died before prctl took
 * effect the signal will never come (the wrapper was re-parented already): then exit instead.
 * Python ignores SIGPIPE and SIGXFSZ and an ignored signal survives exec, so both are reset first.
 */
const PDEATHSIG_WRAPPER = [
  'import ctypes, os, signal, sys',
  'libc = ctypes.CDLL(None, use_errno=True)',
  'if libc.prctl(1, int(signal.SIGTERM), 0, 0, 0) != 0:',
  '    sys.exit("prctl(PR_SET_PDEATHSIG) failed: " + os.strerror(ctypes.get_errno()))',
  'if os.getppid() != int(sys.argv[1]):',
  '    sys.exit(0)  # the parent is gone already: start nothing',
  'for name in ("SIGPIPE", "SIGXFSZ"):',
  '    signal.signal(getattr(signal, name), signal.SIG_DFL)',
  'os.execv(sys.argv[2], sys.argv[2:])',
].join('\n');

/** Linux with the venv's Python: wrapped so the kernel ends the server with us; elsewhere plain. */
function spawnTiedToParent(cmd: string, args: string[], logTo: 'inherit' | 'pipe', env?: NodeJS.ProcessEnv): ChildProcess {
  const stdio: ['ignore', typeof logTo, typeof logTo] = ['ignore', logTo, logTo];
  const options = { stdio, cwd: PROJECT_ROOT, env: env ?? process.env };
  if (process.platform === 'linux' && existsSync(binaries.python)) {
    // Its own process group too: a Ctrl-C in the terminal reaches only us, and we stop the
    // servers in order (after the worker and the API), instead of all at once.
    return spawn(binaries.python, ['-c', PDEATHSIG_WRAPPER, String(process.pid), cmd, ...args], { ...options, detached: true });
  }
  return spawn(cmd, args, options);
}

/**
 * Spawned and watched: its pid, a promise of its exit, and a stop() that waits for it. Output is
 * shown as is (`inherit`), read and dropped (`ignore`), or passed on to ours (`forward`), which
 * also lets `output()` see it; in every mode but `inherit` the end of it is kept, so a server that
 * dies at start says why.
 */
export function launch(cmd: string, args: string[], logTo: 'inherit' | 'ignore' | 'forward', env?: NodeJS.ProcessEnv) {
  const child = spawnTiedToParent(cmd, args, logTo === 'inherit' ? 'inherit' : 'pipe', env);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (logTo === 'forward') {
    child.stdout?.on('data', (chunk: Buffer) => process.stdout.write(chunk));
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  }
  const exited = new Promise<ServerExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
  if (child.pid === undefined) throw new Error(`could not start ${cmd}`);
  return { child, pid: child.pid, exited, stop: stopper(child), output: () => tail };
}

/** Waits for a started server to answer; a server that never does is killed, not leaked. */
export async function ready<T>(launched: ReturnType<typeof launch>, wait: () => Promise<T>): Promise<T> {
  try {
    return await wait();
  } catch (err) {
    await launched.stop();
    throw err;
  }
}

/**
 * The dev server's SQLite file, tuned (issue 8; README "Benchmark"). With SQLite's defaults
 * (rollback journal, synchronous=FULL) every commit waits for two fsyncs, and Temporal commits
 * several times per payment: the disk, not the CPU, bounded `npm start`. In WAL mode with
 * synchronous=NORMAL a commit is an append to the write-ahead log with no fsync (the log is synced
 * at checkpoints). A commit that returned is in the OS's page cache, so a crash of the service,
 * of Temporal or of any process loses nothing; only a crash of the machine (power, kernel) can undo
 * the last commits, never corrupt the file. synchronous=OFF would not be faster in WAL mode
 * (commits already skip the sync) and would risk corruption on power loss, so NORMAL it is.
 */
export const SQLITE_PRAGMAS = ['journal_mode=wal', 'synchronous=normal'];

type TemporalDevOptions = {
  port?: number;
  uiPort?: number | null;
  dbFile?: string;
  namespace?: string;
  log?: 'inherit' | 'ignore';
};

/**
 * A Temporal dev server. Its helper ports come from freePort(), which another process may take
 * before the server binds them: when no port was asked for, a server that exits at start is
 * started again on fresh ports (up to three times).
 */
export async function startTemporalDev(opts: TemporalDevOptions): Promise<RunningServer & { uiUrl: string | null; address: string }> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startTemporalDevOnce(opts);
    } catch (err) {
      if (!(err instanceof ServerStartError) || opts.port !== undefined || attempt >= 3) throw err;
    }
  }
}

async function startTemporalDevOnce(opts: TemporalDevOptions): Promise<RunningServer & { uiUrl: string | null; address: string }> {
  requireBinary(binaries.temporal);
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (opts.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? (await freePort())));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
    for (const pragma of SQLITE_PRAGMAS) args.push('--sqlite-pragma', pragma);
  }
  args.push('--namespace', opts.namespace ?? 'default');
  for (const sa of SEARCH_ATTRIBUTE_SPECS) args.push('--search-attribute', sa);
  for (const dc of [
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.enableExecuteMultiOperation=true',
  ]) {
    args.push('--dynamic-config-value', dc);
  }
  const launched = launch(binaries.temporal, args, opts.log ?? 'ignore');
  await ready(launched, async () => {
    await waitForPort(port, launched.child, 'temporal server start-dev', 60_000, launched.output);
    await waitForNamespace(`127.0.0.1:${port}`, opts.namespace ?? 'default', launched.child);
  });
  const uiIndex = args.indexOf('--ui-port');
  return {
    address: `127.0.0.1:${port}`,
    url: `127.0.0.1:${port}`,
    uiUrl: uiIndex >= 0 ? `http://127.0.0.1:${args[uiIndex + 1]}` : null,
    pid: launched.pid,
    exited: launched.exited,
    stop: launched.stop,
  };
}

export interface NatsAuth {
  /** Password of user `service` (publishes events, manages the stream). */
  servicePassword: string;
  /** Password of user `consumer` (reads the stream, creates consumers, publishes nothing). */
  consumerPassword: string;
}

/**
 * nats-server with JetStream on 127.0.0.1. Without `auth` anyone may connect (tests). With `auth`
 * the server is started from a config file (`configFile`, default `nats-server.conf` next to the
 * store, rewritten at every start, mode 0600) that admits only the two identities of
 * devservers/nats-auth.ts.
 */
export async function startNats(opts: {
  port?: number;
  storeDir: string;
  log?: 'inherit' | 'ignore';
  auth?: NatsAuth;
  configFile?: string;
}): Promise<RunningServer> {
  requireBinary(binaries.natsServer);
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.storeDir, { recursive: true });
  let args = ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', opts.storeDir];
  if (opts.auth) {
    const configFile = opts.configFile ?? join(dirname(opts.storeDir), 'nats-server.conf');
    writeFileSync(configFile, natsServerConfig({ port, storeDir: opts.storeDir, auth: opts.auth }), { mode: 0o600 });
    chmodSync(configFile, 0o600); // it holds the passwords; an older file may have had another mode
    args = ['-c', configFile];
  }
  const launched = launch(binaries.natsServer, args, opts.log ?? 'ignore');
  await ready(launched, () => waitForPort(port, launched.child, 'nats-server', 60_000, launched.output));
  return { url: `nats://127.0.0.1:${port}`, pid: launched.pid, exited: launched.exited, stop: launched.stop };
}

/** The embedded server's config file: loopback only, JetStream in `storeDir`, both identities. */
export function natsServerConfig(opts: { port: number; storeDir: string; auth: NatsAuth }): string {
  return [
    '# Written by `npm start` (devservers/servers.ts) at every start: edits are overwritten.',
    `listen: ${JSON.stringify(`127.0.0.1:${opts.port}`)}`,
    `jetstream { store_dir: ${JSON.stringify(opts.storeDir)} }`,
    natsAuthorization({ service: { literal: opts.auth.servicePassword }, consumer: { literal: opts.auth.consumerPassword } }),
    '',
  ].join('\n');
}

/** The port opens before the namespace and search attributes are ready: ask until they are. */
async function waitForNamespace(address: string, namespace: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connection = await Connection.connect({ address });
  try {
    for (;;) {
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new ServerStartError(`temporal exited (${describeExit({ code: child.exitCode, signal: child.signalCode })})`);
      }
      try {
        const sa = await connection.operatorService.listSearchAttributes({ namespace });
        if (sa.customAttributes && 'PaymentStatus' in sa.customAttributes) return;
      } catch {
        /* not ready yet */
      }
      if (Date.now() > deadline) throw new Error(`temporal namespace ${namespace} not ready within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await connection.close();
  }
}
