// How the service connects to NATS and Temporal: identities, TLS and reconnection, from config.
// One place, shared by the worker, the API and the tools, so every connection heals the same way.
import { readFileSync } from 'node:fs';
import { credsAuthenticator, type ConnectionOptions as NatsOptions } from 'nats';
import type { Config } from './config.js';

/** Credentials and TLS for NATS, plus reconnection without limit: an outage of any length heals. */
export function natsOptions(config: Pick<Config, 'NATS_CREDS' | 'NATS_USER' | 'NATS_PASSWORD' | 'NATS_TLS_CA'>): Partial<NatsOptions> {
  return {
    ...(config.NATS_CREDS ? { authenticator: credsAuthenticator(readFileSync(config.NATS_CREDS)) } : {}),
    ...(config.NATS_USER ? { user: config.NATS_USER, pass: config.NATS_PASSWORD } : {}),
    ...(config.NATS_TLS_CA ? { tls: { caFile: config.NATS_TLS_CA } } : {}),
    ...RECONNECT_FOREVER,
  };
}

/** nats.js gives up after 10 attempts by default, and a closed connection never publishes again. */
export const RECONNECT_FOREVER = {
  maxReconnectAttempts: -1,
  reconnectTimeWait: 1_000,
  waitOnFirstConnect: true,
  pingInterval: 10_000,
} as const;

export interface TemporalConnectOptions {
  tls?: { serverRootCACertificate?: Buffer; clientCertPair?: { crt: Buffer; key: Buffer } } | boolean;
  apiKey?: string;
}

/** mTLS (cert + key, optional CA) or an API key over TLS, as Temporal Cloud needs; plain otherwise. */
export function temporalOptions(
  config: Pick<Config, 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_API_KEY'>,
): TemporalConnectOptions {
  const ca = config.TEMPORAL_TLS_CA ? { serverRootCACertificate: readFileSync(config.TEMPORAL_TLS_CA) } : {};
  const pair =
    config.TEMPORAL_TLS_CERT && config.TEMPORAL_TLS_KEY
      ? { clientCertPair: { crt: readFileSync(config.TEMPORAL_TLS_CERT), key: readFileSync(config.TEMPORAL_TLS_KEY) } }
      : {};
  const tls = config.TEMPORAL_TLS_CERT || config.TEMPORAL_TLS_CA ? { ...ca, ...pair } : config.TEMPORAL_API_KEY ? true : undefined;
  return { ...(tls !== undefined ? { tls } : {}), ...(config.TEMPORAL_API_KEY ? { apiKey: config.TEMPORAL_API_KEY } : {}) };
}
