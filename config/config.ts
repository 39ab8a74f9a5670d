// The one config loader: environment variables validated with zod at start. A bad value stops
// start-up with a message naming the variable and the rule.
import { z } from 'zod';
import { isTimezone } from '../domain/gateway-time.js';
import { DEFAULT_EVENTS_MAX_AGE_DAYS } from '../events/stream.js';
import { PAYMENT_CODE_DEFAULTS, paymentCodeIncoherence } from '../machines/payment-code.js';
import type { PaymentCodeSettings } from '../machines/policy.js';

const port = z.coerce.number().int().min(0).max(65535);
const seconds = z.coerce.number().int().positive();
const positiveInt = seconds;
const url = z.url();
/** The embedded sandbox's published secret: never accepted with a real upstream. */
export const SANDBOX_DEFAULT_SECRET = 'sandbox-shared-secret-change-me';

const timezone = z.string().refine(isTimezone, 'must be an IANA time zone such as Asia/Shanghai');

export const ConfigSchema = z.object({
  API_PORT: port.default(8080),
  API_HOST: z.string().default('127.0.0.1'),
  SANDBOX_PORT: port.default(8090),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:]+:\d+$/, 'must be host:port').optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_UI_PORT: port.default(8233),
  TEMPORAL_PORT: port.default(7233),
  NATS_URL: z.string().regex(/^(nats|tls):\/\/[^:]+:\d+$/, 'must be nats://host:port or tls://host:port').optional(),
  NATS_PORT: port.default(4223),
  /** The service's NATS identity for an external NATS: a .creds file, or user and password; NATS_TLS_CA trusts its TLS. */
  NATS_CREDS: z.string().min(1).optional(),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  NATS_TLS_CA: z.string().min(1).optional(),
  /** Temporal mTLS (TEMPORAL_TLS_CERT + TEMPORAL_TLS_KEY, optional TEMPORAL_TLS_CA) or an API key (Temporal Cloud). */
  TEMPORAL_TLS_CERT: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CA: z.string().min(1).optional(),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  /** How long the API waits on Temporal before it answers 503 TEMPORAL_UNAVAILABLE. */
  TEMPORAL_UNAVAILABLE_AFTER_MS: z.coerce.number().int().positive().default(3_000),
  /** Merchant API keys: name:secret,name:secret (secrets of at least 32 characters). */
  API_KEYS: z.string().optional(),
  /** Requests per second each API key may make (a token bucket of RATE_LIMIT_BURST). */
  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default(50),
  RATE_LIMIT_BURST: positiveInt.default(100),
  /** A request whose body has not fully arrived by then is cut off (slow-body clients). */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  /** A notification's request-time must lie within this many seconds of now, either way. */
  NOTIFICATION_MAX_AGE_SECONDS: seconds.default(300),
  UPSTREAM_BASE_URL: url.optional(),
  GATEWAY_CLIENT_ID: z.string().min(1).default('merchant-sandbox'),
  GATEWAY_SECRET: z.string().min(16, 'must be at least 16 characters').default(SANDBOX_DEFAULT_SECRET),
  GATEWAY_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
  GATEWAY_TIMEZONE: timezone.default('Asia/Shanghai'),
  NOTIFY_URL: url.optional(),
  PUBLIC_SANDBOX_URL: url.optional(),
  DEFAULT_EXPIRY_SECONDS: seconds.max(72 * 3600 - 1, 'must be under 72 hours').default(1800),
  DETAIL_POLL_INITIAL_SECONDS: seconds.default(10),
  DETAIL_POLL_MAX_SECONDS: seconds.default(300),
  // PAYMENT_CODE's policy (machines/payment-code.ts): DETAIL every 3 s, 15 times, within 60 s.
  PAYMENT_CODE_POLL_SECONDS: seconds.default(PAYMENT_CODE_DEFAULTS.pollMs / 1000),
  PAYMENT_CODE_MAX_POLLS: positiveInt.default(PAYMENT_CODE_DEFAULTS.maxPolls),
  PAYMENT_CODE_CONFIRM_SECONDS: seconds.default(PAYMENT_CODE_DEFAULTS.confirmMs / 1000),
  FINAL_GRACE_SECONDS: seconds.default(3 * 24 * 3600),
  REFUND_WINDOW_DAYS: positiveInt.default(365),
  /** How long the event stream keeps an event (JetStream max_age); at least the duplicate window. */
  EVENTS_MAX_AGE_DAYS: positiveInt.default(DEFAULT_EVENTS_MAX_AGE_DAYS),
  SANDBOX_NOTIFY_RETRY_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'must be comma-separated milliseconds, e.g. 0,1000,5000')
    .default('0,2000,10000,60000,600000,3600000'),
  /** Open payments the worker keeps in memory; unset: WORKER_CACHE_MEMORY_MB divided by what one costs. */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  WORKER_CACHE_MEMORY_MB: positiveInt.default(512),
  /** The worker's Prometheus endpoint (the Temporal SDK's exporter: its own and the business metrics); 0 turns it off. */
  WORKER_METRICS_PORT: port.default(9464),
  WORKER_METRICS_HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().default('.data'),
  /** OpenTelemetry traces go to <endpoint>/v1/traces (OTLP over HTTP) when set; none otherwise. */
  OTEL_EXPORTER_OTLP_ENDPOINT: url.optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});
export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked = Object.fromEntries(
    Object.keys(ConfigSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = ConfigSchema.safeParse(picked);
  const problems: string[] = parsed.success
    ? []
    : parsed.error.issues.map((i) => `  ${String(i.path[0])}=${JSON.stringify(picked[String(i.path[0])])}: ${i.message}`);
  if (parsed.success) problems.push(...crossChecks(parsed.data).map((p) => `  ${p}`));
  if (problems.length > 0 || !parsed.success) throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
  return parsed.data;
}

export interface ApiKey {
  name: string;
  secret: string;
}

/** API_KEYS as named keys; throws a ConfigError naming the rule a key breaks. */
export function parseApiKeys(value: string | undefined): ApiKey[] {
  if (!value) return [];
  const keys = value.split(',').map((entry, i) => {
    const at = entry.indexOf(':');
    const name = at < 0 ? '' : entry.slice(0, at).trim();
    const secret = at < 0 ? '' : entry.slice(at + 1).trim();
    if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) throw new ConfigError(`API_KEYS: entry ${i + 1} must be name:secret with a name of 1 to 64 characters of A-Z, a-z, 0-9, _ . or -`);
    if (secret.length < 32) throw new ConfigError(`API_KEYS: the secret of key ${name} must be at least 32 characters (generate one with: openssl rand -base64 32)`);
    return { name, secret };
  });
  const names = new Set(keys.map((k) => k.name));
  if (names.size !== keys.length) throw new ConfigError('API_KEYS: key names must be unique');
  return keys;
}

/** Rules across variables: a real upstream gets no sandbox default and no open API. */
function crossChecks(c: Config): string[] {
  const out: string[] = [];
  try {
    parseApiKeys(c.API_KEYS);
  } catch (err) {
    out.push((err as Error).message);
  }
  if (c.UPSTREAM_BASE_URL) {
    if (c.GATEWAY_SECRET === SANDBOX_DEFAULT_SECRET) {
      out.push('GATEWAY_SECRET: must be set to the secret agreed with the gateway when UPSTREAM_BASE_URL is set (the sandbox default is public)');
    }
    if (!c.API_KEYS) out.push('API_KEYS: must be set when UPSTREAM_BASE_URL is set (name:secret,...; secrets of at least 32 characters)');
  }
  if ((c.TEMPORAL_TLS_CERT === undefined) !== (c.TEMPORAL_TLS_KEY === undefined)) {
    out.push('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY: set both (mTLS) or neither');
  }
  if ((c.NATS_USER === undefined) !== (c.NATS_PASSWORD === undefined)) out.push('NATS_USER and NATS_PASSWORD: set both or neither');
  if (c.NATS_CREDS && c.NATS_USER) out.push('NATS_CREDS and NATS_USER: use one identity, not both');
  const incoherent = paymentCodeIncoherence(paymentCodeSettings(c));
  if (incoherent) out.push(`PAYMENT_CODE_MAX_POLLS, PAYMENT_CODE_POLL_SECONDS and PAYMENT_CODE_CONFIRM_SECONDS: ${incoherent}`);
  return out;
}

/** PAYMENT_CODE's policy settings from the configuration. */
export const paymentCodeSettings = (c: Config): PaymentCodeSettings => ({
  pollMs: c.PAYMENT_CODE_POLL_SECONDS * 1000,
  maxPolls: c.PAYMENT_CODE_MAX_POLLS,
  confirmMs: c.PAYMENT_CODE_CONFIRM_SECONDS * 1000,
});

/** Where each component is reached: the configured address, else the embedded default. */
export function endpoints(config: Config) {
  return {
    temporalAddress: config.TEMPORAL_ADDRESS ?? `127.0.0.1:${config.TEMPORAL_PORT}`,
    natsUrl: config.NATS_URL ?? `nats://127.0.0.1:${config.NATS_PORT}`,
    upstreamBaseUrl: config.UPSTREAM_BASE_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`,
    notifyUrl: config.NOTIFY_URL ?? `http://127.0.0.1:${config.API_PORT}/v1/notifications/alipay-cn`,
    sandboxPublicUrl: config.PUBLIC_SANDBOX_URL ?? `http://127.0.0.1:${config.SANDBOX_PORT}`,
  };
}

/**
 * RSS one cached open payment costs the worker, measured with `npm run bench -- --m 300` after zod
 * left the workflow bundle (0.64 MB; rounded up). Evicted payments replay from history when a
 * message or query arrives, so the bound trades memory for replay CPU, never correctness.
 */
export const CACHED_PAYMENT_MB = 0.7;

/** The worker's workflow cache bound: explicit, or the memory budget divided by one payment's cost. */
export function maxCachedWorkflows(config: Pick<Config, 'WORKER_MAX_CACHED_WORKFLOWS' | 'WORKER_CACHE_MEMORY_MB'>): number {
  return config.WORKER_MAX_CACHED_WORKFLOWS ?? Math.floor(config.WORKER_CACHE_MEMORY_MB / CACHED_PAYMENT_MB);
}
