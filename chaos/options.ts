// What a chaos run does: how many payments, the seed of their schedule, the faults, the
// disruptions and how long it may wait. scripts/chaos.ts reads them from argv/env; the test
// passes a small run.
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { PROJECT_ROOT as ROOT } from '../config/project-root.js';

export type DisruptionKind = 'worker-kill' | 'temporal-restart' | 'nats-outage';

export interface DisruptionPlan {
  kind: DisruptionKind;
  /** Runs once this share of the payments has started (0..1); disruptions run one after another. */
  atFraction: number;
  /** nats-outage: how long NATS stays down. */
  downMs?: number;
}

/** The sandbox's faults during the load (PUT /sandbox/faults; names from sandbox/faults.ts). */
export const DEFAULT_FAULTS = {
  errorRate: 0.05,
  timeoutRate: 0.03,
  unknownRate: 0.05,
  latencyMs: 20,
  dropNotifications: 0.15,
  duplicateNotifications: 0.1,
  reorderNotifications: true,
} as const;

export interface ChaosOptions {
  n: number;
  seed: number;
  concurrency: number;
  disruptions: DisruptionPlan[];
  faults: Record<string, unknown>;
  /** Expiry of the payments (expireAt, or DEFAULT_EXPIRY_SECONDS): abandoned ones end after it. */
  expirySeconds: number;
  detailPoll: { initialSeconds: number; maxSeconds: number };
  paymentCode: { pollSeconds: number; maxPolls: number; confirmSeconds: number };
  gatewayTimeoutMs: number;
  notifyRetryMs: number[];
  /** After the load and the disruptions: how long to wait for every payment to be final. */
  settleTimeoutMs: number;
  /** How long the merchant/shopper retries one request (5xx, timeouts) before giving up. */
  requestDeadlineMs: number;
  /** Where the JSON record goes; null: nowhere. */
  resultsFile: string | null;
  /** Keep the temp data dir (servers' data and the children's logs): always, never, or when the run fails. */
  keepDataDir: 'always' | 'never' | 'on-failure';
  /** The Temporal and NATS servers' own output: to this process's stdout/stderr (CHAOS_SERVER_LOGS=inherit), or dropped. */
  serverLogs: 'inherit' | 'ignore';
  log: (line: string) => void;
}

export const RESULTS_FILE = join(ROOT, 'chaos', 'results', 'latest.json');

/** The full run of `npm run chaos`: 500 payments, two worker kills, a Temporal restart, NATS down 65 s. */
export function defaultOptions(): ChaosOptions {
  return {
    n: 500,
    seed: randomInt(1, 2 ** 31 - 1),
    concurrency: 20,
    disruptions: [
      { kind: 'worker-kill', atFraction: 0.1 },
      { kind: 'temporal-restart', atFraction: 0.3 },
      { kind: 'worker-kill', atFraction: 0.45 },
      { kind: 'nats-outage', atFraction: 0.6, downMs: 65_000 },
    ],
    faults: { ...DEFAULT_FAULTS },
    expirySeconds: 150,
    detailPoll: { initialSeconds: 2, maxSeconds: 10 },
    paymentCode: { pollSeconds: 2, maxPolls: 20, confirmSeconds: 45 },
    gatewayTimeoutMs: 2_000,
    notifyRetryMs: [0, 500, 2_000, 5_000, 10_000, 30_000],
    settleTimeoutMs: 10 * 60_000,
    requestDeadlineMs: 120_000,
    resultsFile: RESULTS_FILE,
    keepDataDir: 'on-failure',
    serverLogs: 'ignore',
    log: (line) => console.error(line),
  };
}

export class OptionError extends Error {
  override name = 'OptionError';
}

const NUMERIC = [
  { flag: 'n', env: 'CHAOS_N', min: 1, set: (o: ChaosOptions, v: number) => (o.n = v) },
  { flag: 'seed', env: 'CHAOS_SEED', min: 0, set: (o: ChaosOptions, v: number) => (o.seed = v) },
  { flag: 'concurrency', env: 'CHAOS_CONCURRENCY', min: 1, set: (o: ChaosOptions, v: number) => (o.concurrency = v) },
  {
    flag: 'nats-down-ms',
    env: 'CHAOS_NATS_DOWN_MS',
    min: 0,
    set: (o: ChaosOptions, v: number) => o.disruptions.forEach((d) => d.kind === 'nats-outage' && (d.downMs = v)),
  },
  { flag: 'expiry-seconds', env: 'CHAOS_EXPIRY_SECONDS', min: 30, set: (o: ChaosOptions, v: number) => (o.expirySeconds = v) },
  { flag: 'settle-timeout-ms', env: 'CHAOS_SETTLE_TIMEOUT_MS', min: 1_000, set: (o: ChaosOptions, v: number) => (o.settleTimeoutMs = v) },
] as const;

/**
 * `npm run chaos -- --n 40 --seed 7` (or `--n=40`), env CHAOS_N, CHAOS_SEED, CHAOS_CONCURRENCY,
 * CHAOS_NATS_DOWN_MS, CHAOS_EXPIRY_SECONDS, CHAOS_SETTLE_TIMEOUT_MS; argv wins. `--keep` keeps the
 * temp data dir, `--no-faults` runs with the sandbox's faults off.
 */
export function optionsFrom(argv: readonly string[], env: NodeJS.ProcessEnv): ChaosOptions {
  const o = defaultOptions();
  if (env.CHAOS_SERVER_LOGS === 'inherit') o.serverLogs = 'inherit';
  const given = new Map<string, string>();
  for (const spec of NUMERIC) if (env[spec.env]) given.set(spec.flag, env[spec.env]!);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--keep') {
      o.keepDataDir = 'always';
      continue;
    }
    if (arg === '--no-faults') {
      o.faults = {};
      continue;
    }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const spec = m && NUMERIC.find((s) => s.flag === m[1]);
    if (!m || !spec) throw new OptionError(`unknown argument ${arg} (options: ${NUMERIC.map((s) => `--${s.flag}`).join(', ')}, --keep, --no-faults)`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new OptionError(`${arg} needs a value`);
    given.set(spec.flag, value);
  }
  for (const spec of NUMERIC) {
    const text = given.get(spec.flag);
    if (text === undefined) continue;
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < spec.min) throw new OptionError(`--${spec.flag} (${spec.env}) must be an integer >= ${spec.min}, got ${text}`);
    spec.set(o, value);
  }
  return o;
}
