// The servers of a chaos run, all on free loopback ports with one temp data dir: a Temporal dev
// server (SQLite file) and nats-server (JetStream store), both restartable on the same port and
// data; the gateway sandbox in this process; the API and the worker as child processes (the real
// entry points api/main.ts and worker/main.ts) that can be killed with SIGKILL and started again.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { NOTIFICATION_PATH } from '../api/notifications-routes.js';
import { ConfigSchema } from '../config/config.js';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';
import { freePort, startNats, startTemporalDev, type RunningServer } from '../devservers/servers.js';
import { supervise, type Supervised } from '../devservers/supervise.js';
import { startSandbox, type Sandbox } from '../sandbox/server.js';
import { request } from './http.js';
import type { ChaosOptions } from './options.js';

export const CHAOS_GATEWAY = {
  clientId: 'merchant-chaos',
  secret: `chaos-gateway-secret-${randomBytes(12).toString('hex')}`,
  timezone: 'Asia/Shanghai',
} as const;

export interface ProcessExit {
  name: string;
  at: number;
  code: number | null;
  signal: NodeJS.Signals | null;
}

type Readiness = { kind: 'line'; pattern: RegExp } | { kind: 'http'; url: string };

/**
 * One child process of the service (`node --import tsx <entry>`, i.e. what `tsx <entry>` runs, in
 * one process so SIGKILL hits the service itself and not a wrapper). Its output goes to a log
 * file; an exit nobody asked for is recorded and the process is started again, like a supervisor
 * (restart: always) would.
 */
class ServiceProcess {
  private child: ChildProcess | null = null;
  private intended = false;
  private generation = 0;
  private restarting: Promise<void> | null = null;
  /** stop() was called: no more (re)starts. */
  private stopped = false;
  private readonly log: WriteStream;
  starts = 0;

  constructor(
    readonly name: string,
    private readonly entry: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly readiness: Readiness,
    logDir: string,
    private readonly onUnexpectedExit: (exit: ProcessExit) => void,
    private readonly say: (line: string) => void,
  ) {
    this.log = createWriteStream(join(logDir, `${name}.log`), { flags: 'a' });
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it and waits until it is ready; a start that dies before is tried again (bounded). */
  async start(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(Math.max(5_000, deadline - Date.now()));
      } catch (err) {
        if (this.stopped || Date.now() > deadline - 2_000 || attempt >= 20) throw err;
        this.say(`  ${this.name}: start attempt ${attempt} failed (${(err as Error).message}); trying again`);
        await sleep(Math.min(1_000 * attempt, 5_000));
      }
    }
  }

  private startOnce(timeoutMs: number): Promise<void> {
    if (this.stopped) return Promise.reject(new Error(`${this.name} is stopped`));
    const generation = ++this.generation;
    this.intended = false;
    this.starts += 1;
    this.log.write(`\n===== ${new Date().toISOString()} start #${this.starts} =====\n`);
    const child = spawn(process.execPath, ['--import', 'tsx', this.entry], { cwd: ROOT, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.pipe(this.log, { end: false });
    child.stderr!.pipe(this.log, { end: false });
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => fail(new Error(`${this.name} not ready within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(err);
      };
      const succeed = () => {
        if (ready) return;
        ready = true;
        clearTimeout(timer);
        resolve();
      };
      child.once('exit', (code, signal) => {
        if (!ready) return fail(new Error(`${this.name} exited (code ${code}, signal ${signal}) before it was ready`));
        if (this.intended || generation !== this.generation) return;
        const exit = { name: this.name, at: Date.now(), code, signal };
        this.say(`  ${this.name} exited unexpectedly (code ${code}, signal ${signal}): starting it again`);
        this.onUnexpectedExit(exit);
        this.restarting = this.start().catch((err) => this.say(`  ${this.name} could not be started again: ${(err as Error).message}`));
      });
      if (this.readiness.kind === 'line') {
        const pattern = this.readiness.pattern;
        let seen = '';
        const watch = (chunk: Buffer) => {
          seen = (seen + chunk.toString()).slice(-4_096);
          if (pattern.test(seen)) {
            child.stderr!.off('data', watch);
            child.stdout!.off('data', watch);
            succeed();
          }
        };
        child.stderr!.on('data', watch);
        child.stdout!.on('data', watch);
      } else {
        const url = this.readiness.url;
        void (async () => {
          while (!ready && child.exitCode === null) {
            const res = await request('GET', url, { timeoutMs: 2_000 });
            if (res.status === 200) return succeed();
            await sleep(150);
          }
        })();
      }
    });
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Started again if it is not running (a failed restart earlier), and ready. */
  async ensureRunning(): Promise<void> {
    await this.restarting;
    if (!this.running) await this.start();
  }

  /** kill -9, then wait for the exit. */
  async kill9(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.intended = true;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGTERM (SIGKILL after 15 s), then wait for the exit. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.intended = true;
    await this.restarting;
    this.intended = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      const kill = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.kill('SIGTERM');
      await exited;
      clearTimeout(kill);
    }
    await new Promise((r) => this.log.end(r));
  }

  /** Last resort when this process is exiting: no orphans. */
  killNow(): void {
    this.intended = true;
    if (this.child && this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

/**
 * A Temporal or NATS server that is stopped and started again on the same port and data, and
 * supervised as `npm start` supervises it: an exit nobody asked for is recorded and restarted.
 */
class RestartableServer {
  private supervised: Supervised<RunningServer> | null = null;

  constructor(
    readonly name: string,
    private readonly launch: () => Promise<RunningServer>,
    private readonly onUnexpectedExit: (exit: ProcessExit) => void,
    private readonly say: (line: string) => void,
  ) {}

  async start(): Promise<void> {
    this.supervised = await supervise({
      name: this.name,
      start: this.launch,
      log: (line) => this.say(`  ${line}`),
      onExit: (e) => this.onUnexpectedExit({ name: this.name, at: Date.now(), code: e.code, signal: e.signal }),
    });
  }

  async stop(): Promise<void> {
    await this.supervised?.stop();
    this.supervised = null;
  }
}

export interface ClusterInfo {
  dir: string;
  apiUrl: string;
  sandboxUrl: string;
  webhookUrl: string;
  temporalAddress: string;
  natsUrl: string;
}

export class Cluster {
  readonly unexpectedExits: ProcessExit[] = [];
  readonly apiKey = `chaos-key-${randomBytes(24).toString('base64url')}`;
  private temporal: RestartableServer | null = null;
  private nats: RestartableServer | null = null;
  private sandbox: Sandbox | null = null;
  private api: ServiceProcess | null = null;
  private worker: ServiceProcess | null = null;
  private temporalPort = 0;
  private natsPort = 0;
  private apiPort = 0;
  private readonly dbFile: string;
  private readonly storeDir: string;
  private readonly logDir: string;

  constructor(
    readonly dir: string,
    private readonly opts: ChaosOptions,
  ) {
    this.dbFile = join(dir, 'temporal', 'chaos.db');
    this.storeDir = join(dir, 'jetstream');
    this.logDir = join(dir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
  }

  get info(): ClusterInfo {
    return {
      dir: this.dir,
      apiUrl: `http://127.0.0.1:${this.apiPort}`,
      sandboxUrl: this.sandbox?.url ?? '',
      webhookUrl: `http://127.0.0.1:${this.apiPort}${NOTIFICATION_PATH}`,
      temporalAddress: `127.0.0.1:${this.temporalPort}`,
      natsUrl: `nats://127.0.0.1:${this.natsPort}`,
    };
  }

  get logs(): string {
    return this.logDir;
  }

  get workerStarts(): number {
    return this.worker?.starts ?? 0;
  }

  async start(): Promise<void> {
    const say = this.opts.log;
    [this.temporalPort, this.natsPort, this.apiPort] = [await freePort(), await freePort(), await freePort()];
    const onServerExit = (exit: ProcessExit) => this.unexpectedExits.push(exit);
    this.temporal = new RestartableServer('temporal', () => this.startTemporal(), onServerExit, say);
    this.nats = new RestartableServer('nats', () => this.startNats(), onServerExit, say);
    await Promise.all([this.temporal.start(), this.nats.start()]);
    this.sandbox = await startSandbox({
      port: 0,
      clientId: CHAOS_GATEWAY.clientId,
      secret: CHAOS_GATEWAY.secret,
      notifyRetryMs: this.opts.notifyRetryMs,
      timezone: CHAOS_GATEWAY.timezone,
      entryCodeNotifyUrl: this.info.webhookUrl,
    });
    const env = this.serviceEnv();
    const onExit = (exit: ProcessExit) => this.unexpectedExits.push(exit);
    this.api = new ServiceProcess('api', 'api/main.ts', env, { kind: 'http', url: `${this.info.apiUrl}/healthz` }, this.logDir, onExit, say);
    this.worker = new ServiceProcess('worker', 'worker/main.ts', env, { kind: 'line', pattern: /worker running/ }, this.logDir, onExit, say);
    await Promise.all([this.api.start(), this.worker.start()]);
  }

  /** The service's environment: the parent's minus every config variable, plus the run's. */
  private serviceEnv(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const key of Object.keys(ConfigSchema.shape)) delete env[key];
    delete env.NODE_OPTIONS;
    const o = this.opts;
    return {
      ...env,
      API_HOST: '127.0.0.1',
      API_PORT: String(this.apiPort),
      TEMPORAL_ADDRESS: this.info.temporalAddress,
      NATS_URL: this.info.natsUrl,
      // UPSTREAM_BASE_URL stays unset: endpoints() points API and worker at the sandbox on SANDBOX_PORT.
      SANDBOX_PORT: String(this.sandbox!.port),
      GATEWAY_CLIENT_ID: CHAOS_GATEWAY.clientId,
      GATEWAY_SECRET: CHAOS_GATEWAY.secret,
      GATEWAY_TIMEZONE: CHAOS_GATEWAY.timezone,
      GATEWAY_TIMEOUT_MS: String(o.gatewayTimeoutMs),
      API_KEYS: `chaos:${this.apiKey}`,
      // The load is one merchant key at the run's concurrency: no rate limit in the way.
      RATE_LIMIT_PER_SECOND: '10000',
      RATE_LIMIT_BURST: '10000',
      DEFAULT_EXPIRY_SECONDS: String(o.expirySeconds),
      DETAIL_POLL_INITIAL_SECONDS: String(o.detailPoll.initialSeconds),
      DETAIL_POLL_MAX_SECONDS: String(o.detailPoll.maxSeconds),
      PAYMENT_CODE_POLL_SECONDS: String(o.paymentCode.pollSeconds),
      PAYMENT_CODE_MAX_POLLS: String(o.paymentCode.maxPolls),
      PAYMENT_CODE_CONFIRM_SECONDS: String(o.paymentCode.confirmSeconds),
      SANDBOX_NOTIFY_RETRY_MS: o.notifyRetryMs.join(','),
      DATA_DIR: this.dir,
      LOG_LEVEL: 'warn',
      // Not the default port, which an `npm start` on this host may hold.
      WORKER_METRICS_PORT: '0',
    };
  }

  private startTemporal() {
    return startTemporalDev({ port: this.temporalPort, uiPort: null, dbFile: this.dbFile, log: this.opts.serverLogs });
  }

  private startNats() {
    return startNats({ port: this.natsPort, storeDir: this.storeDir, log: this.opts.serverLogs });
  }

  /** kill -9 the worker and start a new one (it bundles the workflows again). */
  async killWorker(): Promise<void> {
    await this.worker!.kill9();
    await this.worker!.start();
  }

  async stopTemporal(): Promise<void> {
    await this.temporal!.stop();
  }

  async startTemporalAgain(): Promise<void> {
    await this.temporal!.start();
  }

  async stopNats(): Promise<void> {
    await this.nats!.stop();
  }

  async startNatsAgain(): Promise<void> {
    await this.nats!.start();
  }

  /** Before the settle phase: the API and the worker are up (a failed restart is tried once more). */
  async ensureServicesRunning(): Promise<void> {
    await Promise.all([this.api!.ensureRunning(), this.worker!.ensureRunning()]);
  }

  setFaults(faults: Record<string, unknown>) {
    return request('PUT', `${this.info.sandboxUrl}/sandbox/faults`, { body: faults });
  }

  private stopping: Promise<void> | null = null;

  /** Stops everything (once, however often it is called). */
  stop(): Promise<void> {
    return (this.stopping ??= this.stopAll());
  }

  private async stopAll(): Promise<void> {
    await Promise.allSettled([this.worker?.stop(), this.api?.stop()]);
    await this.sandbox?.close();
    await Promise.allSettled([this.temporal?.stop(), this.nats?.stop()]);
  }

  /** Synchronous last resort (process exit): SIGKILL the service children. */
  killChildrenNow(): void {
    this.worker?.killNow();
    this.api?.killNow();
  }
}
