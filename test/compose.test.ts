// Static checks of docker-compose.yml and the Dockerfile. No Docker engine runs here, so the
// compose file is validated against the official Compose Specification JSON schema (the copy
// that the `dclint` npm package ships in schemas/compose.schema.json), then checked against the
// stack's own contract: services, ports, env names known to config/config.ts, search attributes,
// secrets only from the environment, only the API on the host, NATS with the two identities (the
// NATS config is also run on the real nats-server).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { connect } from 'nats';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig, SANDBOX_DEFAULT_SECRET } from '../config/config.js';
import { natsAuthorization } from '../devservers/nats-auth.js';
import { binaries, freePort } from '../devservers/servers.js';
import { STREAM_NAME } from '../events/schema.js';
import { ensureStream } from '../events/stream.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const composeText = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
const dockerfileText = readFileSync(join(root, 'Dockerfile'), 'utf8');

type Dict = Record<string, unknown>;
interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: (string | number | { target: number; published?: string | number })[];
  expose?: (string | number)[];
  configs?: (string | { source: string; target?: string })[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  restart?: string;
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Dict;
  configs?: Dict;
}

// `merge: true` resolves the `<<: *app` merge keys the way Compose does.
const parseCompose = (text: string) => parse(text, { merge: true }) as ComposeFile;
const compose = parseCompose(composeText);

function loadComposeSchema(): Dict {
  const require = createRequire(import.meta.url);
  const pkgDir = dirname(require.resolve('dclint/package.json'));
  const schema = JSON.parse(readFileSync(join(pkgDir, 'schemas', 'compose.schema.json'), 'utf8')) as Dict;
  // The spec names its meta-schema as https://json-schema.org/draft-07/schema; Ajv registers draft-07
  // under its canonical id, so point at that (dclint does the same rewrite).
  return { ...schema, $schema: 'http://json-schema.org/draft-07/schema#' };
}
const composeSchema = loadComposeSchema();
// strict: false because the spec uses annotations Ajv's strict mode does not know ("deprecated").
const validateCompose = new Ajv({ allErrors: true, strict: false }).compile(composeSchema);

const APP_SERVICES = ['sandbox', 'worker', 'api'] as const;
const ALL_SERVICES = [
  'postgresql',
  'temporal-schema',
  'temporal',
  'temporal-search-attributes',
  'temporal-ui',
  'nats',
  ...APP_SERVICES,
];
const SEARCH_ATTRIBUTES: Record<string, string> = {
  PaymentProduct: 'Keyword',
  PaymentStatus: 'Keyword',
  MerchantTransId: 'Keyword',
  GatewayTransId: 'Keyword',
  PaymentAmount: 'Int',
  PaymentCurrency: 'Keyword',
};

const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`service ${name} missing from docker-compose.yml`);
  return s;
};
const envOf = (s: Service): Record<string, string> => {
  const env = s.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v == null ? '' : String(v)]));
};
/** The secrets the stack needs from the environment; Compose refuses to start without any of them. */
const REQUIRED_SECRETS: Record<string, string> = {
  GATEWAY_SECRET: 'gateway-secret-for-the-compose-test',
  API_KEYS: `merchant:${'k'.repeat(43)}`,
  POSTGRES_PASSWORD: 'postgres-password-for-the-compose-test',
  NATS_SERVICE_PASSWORD: 'nats-service-password-for-the-compose-test',
  NATS_CONSUMER_PASSWORD: 'nats-consumer-password-for-the-compose-test',
};
/** What Compose would pass with only REQUIRED_SECRETS set in the shell: ${VAR:-default} -> default, ${VAR:?msg} -> the secret. */
const interpolate = (value: string) =>
  value
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*):?-([^}]*)\}/g, '$2')
    .replace(/\$\{([A-Za-z_][A-Za-z0-9_]*):?\?[^}]*\}/g, (_, name: string) => {
      if (!(name in REQUIRED_SECRETS)) throw new Error(`compose requires \${${name}}, which the test does not know`);
      return REQUIRED_SECRETS[name]!;
    })
    .replace(/\$\$/g, '$');
/** Every ${...} reference in the file (not the $${...} escapes). */
const references = [...composeText.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}/g)].map((m) => ({ name: m[1]!, rest: m[2]! }));
const SECRET_NAME = /SECRET|PASSWORD|PWD|API_KEY|TOKEN/;
const commandText = (s: Service) => [s.entrypoint ?? [], s.command ?? []].flat().join(' ');
const publishedPorts = (s: Service) =>
  (s.ports ?? []).map((p) => {
    if (typeof p === 'object') return { host: String(p.published ?? ''), container: String(p.target) };
    const parts = String(p).split(':');
    return { host: parts.length > 1 ? parts[parts.length - 2] : '', container: parts[parts.length - 1] };
  });
const dependsOn = (s: Service): Record<string, string> =>
  Array.isArray(s.depends_on)
    ? Object.fromEntries(s.depends_on.map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([k, v]) => [k, v.condition]));

describe('docker-compose.yml against the Compose Specification schema', () => {
  it('is valid', () => {
    const ok = validateCompose(compose);
    expect(validateCompose.errors ?? [], JSON.stringify(validateCompose.errors, null, 2)).toEqual([]);
    expect(ok).toBe(true);
  });

  it('the schema check is not vacuous: broken files are rejected', () => {
    const bogusKey = structuredClone(compose);
    (bogusKey.services.api as Dict).imagee = 'typo';
    expect(validateCompose(bogusKey)).toBe(false);

    const badCondition = structuredClone(compose);
    badCondition.services.worker.depends_on = { temporal: { condition: 'service_ready' } };
    expect(validateCompose(badCondition)).toBe(false);

    const badPorts = structuredClone(compose);
    (badPorts.services.api as Dict).ports = 'not-a-list';
    expect(validateCompose(badPorts)).toBe(false);

    const badTopLevel = parseCompose(`${composeText}\nservicez: {}\n`);
    expect(validateCompose(badTopLevel)).toBe(false);
  });
});

describe('the stack', () => {
  it('has every service', () => {
    expect(Object.keys(compose.services).sort()).toEqual([...ALL_SERVICES].sort());
  });

  it('pins every image tag (no implicit or floating latest)', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      expect(s.image, `${name} has an image`).toMatch(/^[\w./-]+:[\w.-]+$/);
      expect(s.image, `${name} is pinned`).not.toMatch(/:latest$/);
    }
  });

  it('uses PostgreSQL 16, the official Temporal images with matching server/admin-tools, and NATS >= 2.10 alpine', () => {
    expect(service('postgresql').image).toMatch(/^postgres:16(\b|[.-])/);
    const serverTag = service('temporal').image!.split(':')[1];
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-schema').image).toBe(`temporalio/admin-tools:${serverTag}`);
    expect(service('temporal-search-attributes').image).toBe(`temporalio/admin-tools:${serverTag}`);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    const nats = service('nats').image!.match(/^nats:2\.(\d+)(?:\.\d+)?-alpine/);
    expect(nats, 'nats:2.x-alpine').not.toBeNull();
    expect(Number(nats![1])).toBeGreaterThanOrEqual(10);
  });

  it('runs NATS with JetStream storing in a volume', () => {
    const nats = service('nats');
    const args = commandText(nats).split(/\s+/);
    expect(args).toContain('-js');
    expect(args[args.indexOf('-sd') + 1]).toBe('/data');
    const volumes = (nats as Dict).volumes as string[];
    expect(volumes.some((v) => /^[\w-]+:\/data$/.test(v))).toBe(true);
    expect(Object.keys(compose.volumes ?? {})).toContain(volumes[0].split(':')[0]);
  });

  it('publishes only the API on the host (8080); the rest is reachable on the compose network only', () => {
    expect(publishedPorts(service('api'))).toEqual([{ host: '8080', container: '8080' }]);
    const publishing = Object.entries(compose.services).filter(([, s]) => (s.ports ?? []).length > 0).map(([name]) => name);
    expect(publishing).toEqual(['api']);
    expect(service('temporal').expose).toEqual(['7233']);
    expect(service('temporal-ui').expose).toEqual(['8080']);
    expect(service('nats').expose).toEqual(['4222']);
    expect(service('sandbox').expose).toEqual(['8090']);
  });

  it('registers exactly the search attributes of DESIGN.md section 4', () => {
    const cmd = commandText(service('temporal-search-attributes'));
    expect(cmd).toMatch(/temporal operator search-attribute create/);
    const registered = Object.fromEntries(
      [...cmd.matchAll(/--name\s+(\w+)\s+--type\s+(\w+)/g)].map((m) => [m[1], m[2]]),
    );
    expect(registered).toEqual(SEARCH_ATTRIBUTES);
    expect(cmd).toMatch(/--namespace default/);
  });

  it('sets up the Temporal schema before the server starts and registers attributes after it is healthy', () => {
    expect(dependsOn(service('temporal'))).toMatchObject({
      postgresql: 'service_healthy',
      'temporal-schema': 'service_completed_successfully',
    });
    expect(commandText(service('temporal-schema'))).toMatch(/temporal-sql-tool --plugin postgres12/);
    expect(dependsOn(service('temporal-search-attributes'))).toMatchObject({ temporal: 'service_healthy' });
  });

  it('only depends on services that exist, with healthchecks where it waits for health', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [dep, condition] of Object.entries(dependsOn(s))) {
        const target = compose.services[dep];
        expect(target, `${name} depends on missing ${dep}`).toBeDefined();
        if (condition === 'service_healthy') {
          expect(target.healthcheck?.test, `${dep} needs a healthcheck for ${name}`).toBeDefined();
        }
        if (condition === 'service_completed_successfully') {
          expect(target.restart, `${dep} is a one-shot`).toBe('no');
        }
      }
    }
  });

  it('starts the worker and api only when Temporal (with its attributes) and NATS are ready', () => {
    for (const name of ['worker', 'api']) {
      expect(dependsOn(service(name))).toMatchObject({
        temporal: 'service_healthy',
        'temporal-search-attributes': 'service_completed_successfully',
        nats: 'service_healthy',
      });
    }
    expect(service('api').healthcheck?.test).toBeDefined();
    expect(service('worker').healthcheck?.test).toBeDefined();
    expect(service('sandbox').healthcheck?.test).toBeDefined();
  });
});

describe('app services', () => {
  const known = new Set(Object.keys(ConfigSchema.shape));

  it.each(APP_SERVICES)('%s is built from the Dockerfile and started from the compiled code', (name) => {
    const s = service(name);
    expect(s.build).toBeDefined();
    expect(s.command).toEqual(['node', `dist/${name}/main.js`]);
  });

  it.each(APP_SERVICES)('%s only sets env names that config/config.ts knows', (name) => {
    const unknown = Object.keys(envOf(service(name))).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)('%s env passes the config loader', (name) => {
    const env = Object.fromEntries(Object.entries(envOf(service(name))).map(([k, v]) => [k, interpolate(v)]));
    expect(() => loadConfig(env)).not.toThrow();
  });

  it.each(['worker', 'api'])('%s points at the other containers and connects to NATS as service', (name) => {
    expect(envOf(service(name))).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      NATS_URL: 'nats://nats:4222',
      NATS_USER: 'service',
      NATS_PASSWORD: expect.stringMatching(/^\$\{NATS_SERVICE_PASSWORD:\?/),
      UPSTREAM_BASE_URL: 'http://sandbox:8090',
      NOTIFY_URL: 'http://api:8080/v1/notifications/alipay-cn',
      PUBLIC_SANDBOX_URL: 'http://localhost:8090',
      API_HOST: '0.0.0.0',
      API_KEYS: expect.stringMatching(/^\$\{API_KEYS:\?/),
    });
  });

  it('the sandbox gets the gateway settings, and no merchant keys or NATS identity', () => {
    const env = envOf(service('sandbox'));
    expect(env).toMatchObject({ NOTIFY_URL: 'http://api:8080/v1/notifications/alipay-cn', PUBLIC_SANDBOX_URL: 'http://localhost:8090', SANDBOX_PORT: '8090' });
    expect(Object.keys(env)).not.toEqual(expect.arrayContaining(['API_KEYS']));
    expect(Object.keys(env).filter((k) => k.startsWith('NATS_') || k === 'API_KEYS')).toEqual([]);
  });
});

describe('secrets', () => {
  it('come from the environment with no default: ${VAR:?message}, refused when unset', () => {
    const secretRefs = references.filter((r) => SECRET_NAME.test(r.name));
    expect(new Set(secretRefs.map((r) => r.name))).toEqual(new Set(Object.keys(REQUIRED_SECRETS)));
    for (const ref of secretRefs) expect(`\${${ref.name}${ref.rest}}`).toMatch(/^\$\{[A-Z_]+:\?set [A-Z_]+/);
    // Whatever is required has no fallback anywhere either.
    for (const ref of references.filter((r) => r.name in REQUIRED_SECRETS)) expect(ref.rest).toMatch(/^:\?/);
  });

  it('appear nowhere as literal values: every password or secret variable is a reference', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const [key, value] of Object.entries(envOf(s))) {
        if (SECRET_NAME.test(key)) expect(value, `${name} ${key}`).toMatch(/^\$\{[A-Z_]+:\?[^}]+\}$/);
      }
    }
    expect(composeText).not.toContain(SANDBOX_DEFAULT_SECRET);
    expect(composeText).not.toMatch(/change-me/i);
  });

  it('the interpolation the tests rely on refuses a secret it does not know', () => {
    expect(() => interpolate('${SOMETHING_NEW:?set it}')).toThrow(/SOMETHING_NEW/);
  });
});

describe('NATS in the stack', () => {
  const nats = service('nats');
  const configName = (nats.configs ?? []).map((c) => (typeof c === 'string' ? c : c.source))[0]!;
  const configText = interpolate(String((compose.configs?.[configName] as { content?: string } | undefined)?.content ?? ''));
  const asNatsSees = (text: string) => text.replace(/\$\$/g, '$');

  it('runs from a config with both identities, passwords from its environment, monitoring on its loopback only', () => {
    expect(commandText(nats).split(/\s+/).slice(0, 2)).toEqual(['-c', '/etc/nats/nats-server.conf']);
    expect(nats.configs).toEqual([{ source: configName, target: '/etc/nats/nats-server.conf' }]);
    const rawContent = String((compose.configs?.[configName] as { content: string }).content);
    expect(asNatsSees(rawContent)).toContain(
      natsAuthorization({ service: { env: 'NATS_SERVICE_PASSWORD' }, consumer: { env: 'NATS_CONSUMER_PASSWORD' } }),
    );
    expect(rawContent).toMatch(/^http: "127\.0\.0\.1:8222"$/m);
    expect(commandText(nats)).not.toMatch(/(^|\s)-m(\s|$)/);
    expect(envOf(nats)).toEqual({
      NATS_SERVICE_PASSWORD: expect.stringMatching(/^\$\{NATS_SERVICE_PASSWORD:\?/),
      NATS_CONSUMER_PASSWORD: expect.stringMatching(/^\$\{NATS_CONSUMER_PASSWORD:\?/),
    });
  });

  it('requires authentication (the config run on the real nats-server): service publishes, consumer may not, strangers are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'compose-nats-'));
    const [port, monitor] = [await freePort(), await freePort()];
    writeFileSync(join(dir, 'nats.conf'), configText);
    const env = { PATH: process.env.PATH, NATS_SERVICE_PASSWORD: REQUIRED_SECRETS.NATS_SERVICE_PASSWORD, NATS_CONSUMER_PASSWORD: REQUIRED_SECRETS.NATS_CONSUMER_PASSWORD };
    const args = ['-c', join(dir, 'nats.conf'), '-js', '-sd', join(dir, 'data'), '-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)];
    const server = spawn(binaries.natsServer, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    const servers = `nats://127.0.0.1:${port}`;
    try {
      // nats-server logs "Server is ready" once it accepts clients (or exits on a bad config).
      let log = '';
      await new Promise<void>((resolve, reject) => {
        server.stderr!.on('data', (chunk: Buffer) => {
          log += chunk.toString();
          if (/Server is ready/.test(log)) resolve();
        });
        server.once('exit', (code) => reject(new Error(`nats-server exited (${code}) on the compose config:\n${log}`)));
      });
      const svc = await connect({ servers, user: 'service', pass: REQUIRED_SECRETS.NATS_SERVICE_PASSWORD, reconnect: false });
      await ensureStream(await svc.jetstreamManager());
      await svc.jetstream().publish('payments.alipay_cn.CASHIER_PAYMENT.payment.pending', '{}');

      const reader = await connect({ servers, user: 'consumer', pass: REQUIRED_SECRETS.NATS_CONSUMER_PASSWORD, reconnect: false });
      const ordered = await reader.jetstream().consumers.get(STREAM_NAME);
      expect((await ordered.next({ expires: 5_000 }))?.subject).toBe('payments.alipay_cn.CASHIER_PAYMENT.payment.pending');
      await expect(reader.jetstream().publish('payments.alipay_cn.CASHIER_PAYMENT.payment.succeeded', '{}')).rejects.toMatchObject({
        code: 'PERMISSIONS_VIOLATION',
      });
      expect((await (await svc.jetstreamManager()).streams.info(STREAM_NAME)).state.messages).toBe(1);
      await expect(connect({ servers, reconnect: false })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
      await reader.close();
      await svc.close();
    } finally {
      server.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfileText
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  const stages = instructions.join('\n').split(/^(?=FROM )/m).map((stage) => stage.split('\n').filter(Boolean));

  it('builds on node:20-bookworm-slim: installs with npm ci --ignore-scripts from the lockfile, then npm run build', () => {
    const [build] = stages;
    expect(build[0]).toBe('FROM node:20-bookworm-slim AS build');
    const copyManifests = build.findIndex((l) => /^COPY package\.json package-lock\.json /.test(l));
    const install = build.findIndex((l) => /^RUN npm ci\b.*--ignore-scripts/.test(l));
    const copySource = build.findIndex((l) => /^COPY (--chown=\S+ )?\. /.test(l));
    const compile = build.findIndex((l) => l === 'RUN npm run build');
    expect(copyManifests).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(copyManifests);
    expect(copySource).toBeGreaterThan(install);
    expect(compile).toBeGreaterThan(copySource);
  });

  it('runs the compiled code with production dependencies only and no TypeScript loader', () => {
    expect(stages).toHaveLength(2);
    const run = stages[1];
    expect(run[0]).toBe('FROM node:20-bookworm-slim');
    expect(run.some((l) => /^RUN npm ci --omit=dev --ignore-scripts\s+&& npm cache clean --force$/.test(l))).toBe(true);
    expect(run.some((l) => /^COPY --from=build (--chown=\S+ )?\/app\/dist \.\/dist$/.test(l))).toBe(true);
    expect(run.some((l) => /^COPY (--chown=\S+ )?\. /.test(l))).toBe(false);
    expect(run.at(-1)).toBe('CMD ["node", "dist/api/main.js"]');
    expect(run.join('\n')).not.toMatch(/tsx/);
  });

  it('keeps the host node_modules and dev-server venv out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.git']));
  });
});
