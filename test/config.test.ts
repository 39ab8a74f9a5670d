// Start-up refuses what would leave money open to strangers: with a real upstream, a missing or
// public default GATEWAY_SECRET and a missing API_KEYS; and keys that break their rules. Each
// message names the variable.
import { describe, expect, it } from 'vitest';
import { ConfigError, SANDBOX_DEFAULT_SECRET, loadConfig, maxCachedWorkflows, parseApiKeys } from '../config/config.js';
import { natsOptions, temporalOptions } from '../config/connections.js';

const KEY = 'merchant:0123456789abcdef0123456789abcdef';
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
};

describe('configuration', () => {
  it('runs the embedded sandbox on its defaults with no variable set', () => {
    expect(loadConfig({})).toMatchObject({ GATEWAY_SECRET: SANDBOX_DEFAULT_SECRET, NOTIFICATION_MAX_AGE_SECONDS: 300, RATE_LIMIT_PER_SECOND: 50 });
  });

  it('with a real upstream, refuses a missing or default GATEWAY_SECRET and a missing API_KEYS', () => {
    const missing = refusal({ UPSTREAM_BASE_URL: 'https://gateway.example' });
    expect(missing).toMatch(/GATEWAY_SECRET: must be set/);
    expect(missing).toMatch(/API_KEYS: must be set/);
    expect(refusal({ UPSTREAM_BASE_URL: 'https://gateway.example', GATEWAY_SECRET: SANDBOX_DEFAULT_SECRET, API_KEYS: KEY })).toMatch(/GATEWAY_SECRET/);
    expect(loadConfig({ UPSTREAM_BASE_URL: 'https://gateway.example', GATEWAY_SECRET: 'a-real-secret-agreed-with-the-gateway', API_KEYS: KEY }).API_KEYS).toBe(KEY);
  });

  it('refuses keys with short secrets, bad names or repeated names', () => {
    expect(refusal({ API_KEYS: 'shop:short' })).toMatch(/API_KEYS: the secret of key shop must be at least 32 characters/);
    expect(refusal({ API_KEYS: `bad name:${'x'.repeat(32)}` })).toMatch(/API_KEYS: entry 1 must be name:secret/);
    expect(refusal({ API_KEYS: `${KEY},${KEY}` })).toMatch(/unique/);
    expect(parseApiKeys(`a:${'x'.repeat(32)}, b:${'y'.repeat(40)}`)).toEqual([
      { name: 'a', secret: 'x'.repeat(32) },
      { name: 'b', secret: 'y'.repeat(40) },
    ]);
  });

  it('takes NATS and Temporal identities in pairs, and reconnects to NATS without limit', () => {
    expect(refusal({ NATS_USER: 'service' })).toMatch(/NATS_USER and NATS_PASSWORD/);
    expect(refusal({ TEMPORAL_TLS_CERT: '/tmp/cert.pem' })).toMatch(/TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/);
    expect(natsOptions(loadConfig({ NATS_USER: 'service', NATS_PASSWORD: 'pw' }))).toMatchObject({ user: 'service', pass: 'pw', maxReconnectAttempts: -1 });
    expect(temporalOptions(loadConfig({ TEMPORAL_API_KEY: 'k' }))).toEqual({ tls: true, apiKey: 'k' });
    expect(temporalOptions(loadConfig({}))).toEqual({});
  });

  it("refuses a PAYMENT_CODE policy whose confirmation window would end the wait before the poll count could", () => {
    expect(loadConfig({})).toMatchObject({ PAYMENT_CODE_POLL_SECONDS: 3, PAYMENT_CODE_MAX_POLLS: 15, PAYMENT_CODE_CONFIRM_SECONDS: 60 });
    expect(refusal({ PAYMENT_CODE_MAX_POLLS: '20' })).toMatch(/PAYMENT_CODE_MAX_POLLS.*20 polls every 3 s end 63 s in, not before the 60 s confirmation window/);
    expect(loadConfig({ PAYMENT_CODE_MAX_POLLS: '20', PAYMENT_CODE_CONFIRM_SECONDS: '90' }).PAYMENT_CODE_MAX_POLLS).toBe(20);
  });

  it('bounds the worker cache: explicitly, or by the memory budget', () => {
    expect(maxCachedWorkflows(loadConfig({}))).toBe(731);
    expect(maxCachedWorkflows(loadConfig({ WORKER_CACHE_MEMORY_MB: '1024' }))).toBe(1462);
    expect(maxCachedWorkflows(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '50', WORKER_CACHE_MEMORY_MB: '1024' }))).toBe(50);
    expect(refusal({ WORKER_MAX_CACHED_WORKFLOWS: '-1' })).toMatch(/WORKER_MAX_CACHED_WORKFLOWS/);
  });
});
