// Starts the real servers the project installs under .tools/ (scripts/setup-servers.mjs): a
// Temporal dev server (Web UI, SQLite file, our search attributes) and nats-server with
// JetStream. Used by `npm start` and by the vitest global setup.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, connect as tcpConnect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTE_SPECS } from '../workflows/messages.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, '.tools', 'venv', 'bin');
export const binaries = {
  temporal: join(BIN, 'temporal'),
  temporalTestServer: join(BIN, 'temporal-test-server'),
  natsServer: join(BIN, 'nats-server'),
};

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

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

async function waitForPort(port: number, child: ChildProcess, name: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with code ${child.exitCode} before it answered`);
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

function spawnLogged(cmd: string, args: string[], logTo: 'inherit' | 'ignore'): ChildProcess {
  return spawn(cmd, args, { stdio: ['ignore', logTo, logTo] });
}

export async function startTemporalDev(opts: {
  port?: number;
  uiPort?: number | null;
  dbFile?: string;
  namespace?: string;
  log?: 'inherit' | 'ignore';
}): Promise<RunningServer & { uiUrl: string | null; address: string }> {
  requireBinary(binaries.temporal);
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  if (opts.uiPort === null) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort ?? (await freePort())));
  if (opts.dbFile) {
    mkdirSync(dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  args.push('--namespace', opts.namespace ?? 'default');
  for (const sa of SEARCH_ATTRIBUTE_SPECS) args.push('--search-attribute', sa);
  for (const dc of [
    'frontend.enableUpdateWorkflowExecution=true',
    'frontend.enableExecuteMultiOperation=true',
  ]) {
    args.push('--dynamic-config-value', dc);
  }
  const child = spawnLogged(binaries.temporal, args, opts.log ?? 'ignore');
  await waitForPort(port, child, 'temporal server start-dev');
  await waitForNamespace(`127.0.0.1:${port}`, opts.namespace ?? 'default', child);
  const uiIndex = args.indexOf('--ui-port');
  return {
    address: `127.0.0.1:${port}`,
    url: `127.0.0.1:${port}`,
    uiUrl: uiIndex >= 0 ? `http://127.0.0.1:${args[uiIndex + 1]}` : null,
    stop: stopper(child),
  };
}

export async function startNats(opts: { port?: number; storeDir: string; log?: 'inherit' | 'ignore' }): Promise<RunningServer> {
  requireBinary(binaries.natsServer);
  const port = opts.port ?? (await freePort());
  mkdirSync(opts.storeDir, { recursive: true });
  const child = spawnLogged(binaries.natsServer, ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', opts.storeDir], opts.log ?? 'ignore');
  await waitForPort(port, child, 'nats-server');
  return { url: `nats://127.0.0.1:${port}`, stop: stopper(child) };
}

/** The port opens before the namespace and search attributes are ready: ask until they are. */
async function waitForNamespace(address: string, namespace: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connection = await Connection.connect({ address });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`temporal exited with code ${child.exitCode}`);
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
