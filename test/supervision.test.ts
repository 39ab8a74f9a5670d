// `npm start` as people run it (tsx scripts/start.ts, free ports, a temp DATA_DIR): (a) the
// embedded nats-server killed with SIGKILL comes back on the same port with the same stream, and
// the worker (a process of its own) killed with SIGKILL comes back and takes payments; (b) start.ts
// killed with SIGKILL takes its servers and its worker with it (the kernel's parent-death signal),
// and a second start on the same DATA_DIR comes up with the generated API key unchanged.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigSchema } from '../config/config.js';
import { dataFiles } from '../devservers/data-files.js';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';
import { binaries, freePort, type RunningServer, type ServerExit } from '../devservers/servers.js';
import { supervise } from '../devservers/supervise.js';
import { launchers, watchLaunchers } from '../devservers/lifeline.js';
import { STREAM_NAME } from '../events/schema.js';
import { cashierBody, http, uniqueId } from './support/service.js';

const BANNER_END = /Ctrl-C stops everything\./;

interface Run {
  child: ChildProcess;
  out: string;
}

let dataDir: string;
let files: ReturnType<typeof dataFiles>;
let ports: Record<'API_PORT' | 'SANDBOX_PORT' | 'TEMPORAL_PORT' | 'TEMPORAL_UI_PORT' | 'NATS_PORT' | 'WORKER_METRICS_PORT', number>;
const runs: Run[] = [];

async function distinctFreePorts(n: number): Promise<number[]> {
  const found = new Set<number>();
  while (found.size < n) found.add(await freePort());
  return [...found];
}

/** `tsx scripts/start.ts` with our ports and data folder, and nothing of the caller's config. */
function launch(): Run {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(ConfigSchema.shape)) delete env[key];
  Object.assign(env, Object.fromEntries(Object.entries(ports).map(([k, v]) => [k, String(v)])), { DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  const child = spawn(join(ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/start.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: Run = { child, out: '' };
  child.stdout!.on('data', (chunk: Buffer) => (run.out += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (run.out += chunk.toString()));
  runs.push(run);
  return run;
}

/** Resolves when the output shows `pattern`; fails when the process exits first. */
function waitForOutput(run: Run, pattern: RegExp): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      run.child.stdout!.off('data', check);
      run.child.stderr!.off('data', check);
      run.child.off('exit', exited);
      if (err) reject(err);
      else resolve();
    };
    const check = () => {
      if (pattern.test(run.out)) done();
    };
    const exited = () => done(new Error(`start.ts exited (${run.child.exitCode ?? run.child.signalCode}) before printing ${pattern}:\n${run.out}`));
    run.child.stdout!.on('data', check);
    run.child.stderr!.on('data', check);
    run.child.once('exit', exited);
    if (run.child.exitCode !== null || run.child.signalCode !== null) exited();
    else check();
  });
}

const exitOf = (child: ChildProcess) =>
  new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

const readPids = (): Record<string, number> => JSON.parse(readFileSync(files.pids, 'utf8'));

/** Live (not zombie) processes: pid and argv. */
function processes(): { pid: number; argv: string[] }[] {
  const out: { pid: number; argv: string[] }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const argv = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (argv.length > 0) out.push({ pid: Number(name), argv });
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

/** Temporal or nats-server processes of this test: on our data folder (SQLite file, nats config) or our ports. */
function ourServers(): { pid: number; argv: string[] }[] {
  return processes().filter(({ argv }) => {
    const cmd = argv.join(' ');
    if (!cmd.includes(binaries.temporal) && !cmd.includes(binaries.natsServer)) return false;
    return cmd.includes(dataDir) || cmd.includes(`--port ${ports.TEMPORAL_PORT}`) || cmd.includes(`-p ${ports.NATS_PORT}`);
  });
}

const alive = (pid: number) => {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z');
  } catch {
    return false;
  }
};

/** Polls `condition` every 100 ms until it holds or the deadline passes. */
async function eventually(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function streamMessages(): Promise<number> {
  const nc = await connect({
    servers: `nats://127.0.0.1:${ports.NATS_PORT}`,
    user: 'service',
    pass: readFileSync(files.natsServicePassword, 'utf8').trim(),
    reconnect: false,
  });
  try {
    return (await (await nc.jetstreamManager()).streams.info(STREAM_NAME)).state.messages;
  } finally {
    await nc.close();
  }
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'supervision-'));
  files = dataFiles(dataDir);
  const [api, sandbox, temporal, ui, nats, workerMetrics] = await distinctFreePorts(6);
  ports = { API_PORT: api, SANDBOX_PORT: sandbox, TEMPORAL_PORT: temporal, TEMPORAL_UI_PORT: ui, NATS_PORT: nats, WORKER_METRICS_PORT: workerMetrics };
});

afterAll(async () => {
  for (const run of runs) run.child.kill('SIGKILL');
  for (const { pid } of ourServers()) process.kill(pid, 'SIGKILL');
  try {
    for (const pid of Object.values(readPids())) if (alive(pid)) process.kill(pid, 'SIGKILL');
  } catch {
    /* no pids file */
  }
  await Promise.all(runs.map((r) => exitOf(r.child)));
  await eventually(() => ourServers().length === 0, 10_000, 'leftover servers did not die').catch(() => undefined);
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start under supervision', () => {
  let first: Run;
  let apiKey: string;

  it('comes up with a generated API key and NATS passwords in DATA_DIR', async () => {
    first = launch();
    await waitForOutput(first, BANNER_END);
    apiKey = readFileSync(files.apiKey, 'utf8');
    expect(apiKey.trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    for (const file of [files.apiKey, files.natsServicePassword, files.natsConsumerPassword, files.natsConfig]) {
      expect(statSync(file).mode & 0o777, file).toBe(0o600);
    }
    expect(first.out).toContain(`API key (dev)      ${apiKey.trim()}   (Authorization: Bearer ${apiKey.trim()}; stored in ${files.apiKey})`);
    const consumerPassword = readFileSync(files.natsConsumerPassword, 'utf8').trim();
    expect(first.out).toContain(`NATS consumer      user consumer, password ${consumerPassword}`);
    // Both metrics endpoints in the banner; the worker's process serves the Temporal SDK's metrics.
    const workerMetrics = `http://127.0.0.1:${ports.WORKER_METRICS_PORT}/metrics`;
    expect(first.out).toContain(`Metrics            http://127.0.0.1:${ports.API_PORT}/metrics (API); ${workerMetrics} (worker`);
    await expect.poll(async () => (await fetch(workerMetrics)).text(), { timeout: 30_000 }).toMatch(/^temporal_\w+/m);
  }, 120_000);

  it('(a) restarts a killed nats-server on the same port with the same stream', async () => {
    // Two events in the stream (the worker created it at start), published as the service.
    const nc = await connect({
      servers: `nats://127.0.0.1:${ports.NATS_PORT}`,
      user: 'service',
      pass: readFileSync(files.natsServicePassword, 'utf8').trim(),
    });
    for (const n of [1, 2]) {
      await nc.jetstream().publish('payments.alipay_cn.CASHIER_PAYMENT.payment.pending', JSON.stringify({ n }), { msgID: `supervision/${n}` });
    }
    await nc.close();
    const before = await streamMessages();
    expect(before).toBeGreaterThanOrEqual(2);

    const killed = readPids().nats!;
    process.kill(killed, 'SIGKILL');
    await waitForOutput(first, /\[start\] nats restarted \(pid \d+\)/);
    expect(first.out).toMatch(/\[start\] nats exited \(signal SIGKILL\); restarting/);

    const restarted = readPids().nats!;
    expect(restarted).not.toBe(killed);
    expect(alive(restarted)).toBe(true);
    expect(await streamMessages()).toBe(before);
    // Temporal was left alone.
    expect(first.out).not.toMatch(/temporal exited/);
  }, 60_000);

  it('(a2) runs the worker in its own process, restarts it after kill -9, and payments go on', async () => {
    const killed = readPids().worker!;
    expect(killed).not.toBe(readPids().start);
    expect(readFileSync(`/proc/${killed}/cmdline`, 'utf8')).toContain('worker/main');
    process.kill(killed, 'SIGKILL');
    await waitForOutput(first, /\[start\] worker restarted \(pid \d+\)/);
    expect(first.out).toMatch(/\[start\] worker exited \(signal SIGKILL\); restarting/);
    const restarted = readPids().worker!;
    expect(alive(restarted)).toBe(true);

    // The new worker takes payments: update-with-start is answered only once a worker ran PAY.
    const res = await http('POST', `http://127.0.0.1:${ports.API_PORT}/v1/payments`, cashierBody(uniqueId('supervision')), { apiKey: apiKey.trim() });
    expect(res.status).toBe(201);
    expect(res.body.payAction.type).toBe('QRCODE');
  }, 120_000);

  it('(b) kill -9 of start.ts leaves no server behind; a second start reuses the data and the key', async () => {
    const pids = readPids();
    const servers = [pids.temporal!, pids.nats!];
    const worker = pids.worker!;
    expect(servers.every(alive)).toBe(true);
    expect(ourServers().map((p) => p.pid).sort()).toEqual([...servers].sort());
    const messages = await streamMessages();

    process.kill(pids.start!, 'SIGKILL');
    await exitOf(first.child); // tsx's parent process follows its child
    await eventually(() => ourServers().length === 0 && !servers.some(alive), 15_000, 'temporal and nats-server did not die with start.ts');
    await eventually(() => !alive(worker), 15_000, 'the worker process did not die with start.ts');

    const second = launch();
    await waitForOutput(second, BANNER_END);
    expect(readFileSync(files.apiKey, 'utf8')).toBe(apiKey);
    expect(second.out).toContain(`Authorization: Bearer ${apiKey.trim()}`);
    expect(second.out).not.toMatch(/generated an API key/);
    expect(await streamMessages()).toBe(messages);

    // A clean stop: everything in order, nothing restarted.
    second.child.kill('SIGTERM');
    expect(await exitOf(second.child)).toMatchObject({ code: 0 });
    expect(second.out).toMatch(/api stopped[\s\S]*worker stopped[\s\S]*sandbox stopped[\s\S]*nats stopped[\s\S]*temporal stopped/);
    expect(second.out).not.toMatch(/restarting/);
    expect(ourServers()).toEqual([]);
  }, 120_000);
});

describe('supervise()', () => {
  /** A stand-in server whose exit the test decides; `starts` fail while `failures` lasts. */
  function fakeServers(failures = 0) {
    const started: (RunningServer & { exit(e: ServerExit): void })[] = [];
    let pid = 100;
    const start = async () => {
      if (failures > 0) {
        failures -= 1;
        throw new Error('port in use');
      }
      let exit!: (e: ServerExit) => void;
      const exited = new Promise<ServerExit>((r) => (exit = r));
      const server = { url: 'fake://', pid: ++pid, exited, exit, stop: async () => exit({ code: 0, signal: null }) };
      started.push(server);
      return server;
    };
    return { started, start };
  }
  const nextLine = (lines: string[], pattern: RegExp) => eventually(() => lines.some((l) => pattern.test(l)), 5_000, `no log line ${pattern}`);

  it('restarts a server that exits on its own, the delay doubling while it keeps exiting', async () => {
    const fake = fakeServers();
    const lines: string[] = [];
    const pids: number[] = [];
    const s = await supervise({ name: 'fake', start: fake.start, log: (l) => lines.push(l), onStart: (x) => pids.push(x.pid), initialBackoffMs: 20, maxBackoffMs: 80 });
    expect(s.current.pid).toBe(101);

    fake.started[0]!.exit({ code: null, signal: 'SIGKILL' });
    await nextLine(lines, /fake restarted \(pid 102\)/);
    expect(s.current.pid).toBe(102);

    fake.started[1]!.exit({ code: 1, signal: null });
    await nextLine(lines, /fake restarted \(pid 103\)/);
    expect(lines).toEqual([
      'fake exited (signal SIGKILL); restarting in 0.02 s',
      'fake restarted (pid 102)',
      'fake exited (code 1); restarting in 0.04 s',
      'fake restarted (pid 103)',
    ]);
    expect(pids).toEqual([101, 102, 103]);
    expect(s.restarts).toBe(2);
    await s.stop();
    expect(await fake.started[2]!.exited).toEqual({ code: 0, signal: null });
  });

  it('starts from the first delay again after a server ran long enough', async () => {
    const fake = fakeServers();
    const lines: string[] = [];
    const s = await supervise({ name: 'fake', start: fake.start, log: (l) => lines.push(l), initialBackoffMs: 10, stableAfterMs: 0 });
    for (const i of [0, 1, 2]) {
      fake.started[i]!.exit({ code: 1, signal: null });
      await nextLine(lines, new RegExp(`fake restarted \\(pid ${102 + i}\\)`));
    }
    expect(lines.filter((l) => l.includes('exited'))).toEqual(Array(3).fill('fake exited (code 1); restarting in 0.01 s'));
    await s.stop();
  });

  it('retries a restart that fails, with a growing delay', async () => {
    let fail = 0;
    const fake = fakeServers();
    const lines: string[] = [];
    const s = await supervise({
      name: 'fake',
      start: async () => {
        if (fail > 0) {
          fail -= 1;
          throw new Error('address already in use');
        }
        return fake.start();
      },
      log: (l) => lines.push(l),
      initialBackoffMs: 10,
      maxBackoffMs: 40,
    });
    fail = 3;
    fake.started[0]!.exit({ code: 2, signal: null });
    await nextLine(lines, /fake restarted/);
    expect(lines).toEqual([
      'fake exited (code 2); restarting in 0.01 s',
      'fake failed to restart: address already in use; trying again in 0.02 s',
      'fake failed to restart: address already in use; trying again in 0.04 s',
      'fake failed to restart: address already in use; trying again in 0.04 s',
      'fake restarted (pid 102)',
    ]);
    await s.stop();
  });

  it('restarts nothing once stopped or once shutdown has begun', async () => {
    const fake = fakeServers();
    const lines: string[] = [];
    const s = await supervise({ name: 'fake', start: fake.start, log: (l) => lines.push(l), initialBackoffMs: 10 });
    await s.stop();
    expect(await fake.started[0]!.exited).toEqual({ code: 0, signal: null });

    const shutdown = new AbortController();
    const t = await supervise({ name: 'fake', start: fake.start, log: (l) => lines.push(l), initialBackoffMs: 10, signal: shutdown.signal });
    shutdown.abort();
    fake.started[1]!.exit({ code: null, signal: 'SIGINT' });
    await t.stop();
    expect(fake.started).toHaveLength(2);
    expect(lines).toEqual([]);
  });

  it('throws when the first start fails', async () => {
    await expect(supervise({ name: 'fake', start: fakeServers(1).start, log: () => {} })).rejects.toThrow('port in use');
  });
});

describe('the lifeline to the launching npm/tsx processes', () => {
  it('notices when a watched launcher is killed', async () => {
    const sleeper = spawn('sleep', ['30'], { stdio: 'ignore' });
    const startTime = readFileSync(`/proc/${sleeper.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[19]!;
    let gone: number | undefined;
    const cancel = watchLaunchers([{ pid: sleeper.pid!, name: 'sleep', startTime }], (l) => (gone = l.pid), 20);
    sleeper.kill('SIGKILL');
    await exitOf(sleeper);
    await eventually(() => gone === sleeper.pid, 2_000, 'the dead launcher was not noticed');
    cancel();
  });

  it('watches nothing in a process that no npm script or tsx launched', () => {
    // vitest's fork: its parent is vitest itself, not tsx; with npm_lifecycle_script cleared no npm chain either.
    const saved = process.env.npm_lifecycle_script;
    delete process.env.npm_lifecycle_script;
    try {
      expect(launchers()).toEqual([]);
    } finally {
      if (saved !== undefined) process.env.npm_lifecycle_script = saved;
    }
  });
});
