// The bench's options: BENCH_* environment variables or --flags (flags win).
export interface Options {
  /** Payments per throughput run. */
  m: number;
  /** Concurrencies to run at, each against both targets. */
  concurrency: number[];
  /** Runs per concurrency and target, alternating which target goes first. */
  rounds: number;
  /** Payments opened and left PENDING in the footprint step (0 skips it). */
  open: number;
  /** Untimed payments per target before anything is measured. */
  warmup: number;
  /** Per payment, from its POST to its payment.succeeded. */
  timeoutMs: number;
}

const SPECS: { key: keyof Options; env: string; def: string; list?: true }[] = [
  { key: 'm', env: 'BENCH_M', def: '300' },
  { key: 'concurrency', env: 'BENCH_CONCURRENCY', def: '20,50', list: true },
  { key: 'rounds', env: 'BENCH_ROUNDS', def: '2' },
  { key: 'open', env: 'BENCH_OPEN', def: '10000' },
  { key: 'warmup', env: 'BENCH_WARMUP', def: '20' },
  { key: 'timeoutMs', env: 'BENCH_TIMEOUT_MS', def: '120000' },
];

export class OptionError extends Error {}

const flagOf = (env: string) => `--${env.slice('BENCH_'.length).toLowerCase().replace(/_/g, '-')}`;

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  const given = new Map<string, string>();
  for (const spec of SPECS) if (env[spec.env]) given.set(spec.env, env[spec.env]!);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s);
    const spec = SPECS.find((s) => flagOf(s.env) === flag);
    if (!spec) throw new OptionError(`unknown argument ${argv[i]} (options: ${SPECS.map((s) => `${flagOf(s.env)} / ${s.env}`).join(', ')})`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new OptionError(`${flag} needs a value`);
    given.set(spec.env, value);
  }
  const options: Record<string, number | number[]> = {};
  for (const spec of SPECS) {
    const text = given.get(spec.env) ?? spec.def;
    const values = text.split(',').map(Number);
    if (values.some((v) => !Number.isInteger(v) || v < 0) || (!spec.list && values.length !== 1)) {
      throw new OptionError(`${spec.env} (${flagOf(spec.env)}) must be ${spec.list ? 'comma-separated integers' : 'an integer'} >= 0, got ${text}`);
    }
    options[spec.key] = spec.list ? values : values[0];
  }
  return options as unknown as Options;
}
