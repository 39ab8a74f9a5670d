// Static checks of docker-compose.yml and the Dockerfile. No Docker engine runs here, so the
// compose file is validated against the official Compose Specification JSON schema (the copy
// that the `dclint` npm package ships in schemas/compose.schema.json), then checked against the
// stack's own contract: services, ports, env names known to config/config.ts, search attributes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ConfigSchema, loadConfig } from '../config/config.js';

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
// What Compose would pass with nothing set in the shell: ${VAR:-default} / ${VAR-default} -> default.
const interpolateDefaults = (value: string) =>
  value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*:?-([^}]*)\}/g, '$1').replace(/\$\$/g, '$');
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

  it('publishes the API on 8080, the sandbox on 8090 and the Temporal UI on 8233 -> 8080', () => {
    expect(publishedPorts(service('api'))).toContainEqual({ host: '8080', container: '8080' });
    expect(publishedPorts(service('sandbox'))).toContainEqual({ host: '8090', container: '8090' });
    expect(publishedPorts(service('temporal-ui'))).toContainEqual({ host: '8233', container: '8080' });
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
    expect(service('sandbox').healthcheck?.test).toBeDefined();
  });
});

describe('app services', () => {
  const known = new Set(Object.keys(ConfigSchema.shape));

  it.each(APP_SERVICES)('%s is built from the Dockerfile and started with npx tsx', (name) => {
    const s = service(name);
    expect(s.build).toBeDefined();
    expect(s.command).toEqual(['npx', 'tsx', `${name}/main.ts`]);
  });

  it.each(APP_SERVICES)('%s only sets env names that config/config.ts knows', (name) => {
    const unknown = Object.keys(envOf(service(name))).filter((k) => !known.has(k));
    expect(unknown).toEqual([]);
  });

  it.each(APP_SERVICES)('%s env passes the config loader', (name) => {
    const env = Object.fromEntries(Object.entries(envOf(service(name))).map(([k, v]) => [k, interpolateDefaults(v)]));
    expect(() => loadConfig(env)).not.toThrow();
  });

  it.each(APP_SERVICES)('%s points at the other containers', (name) => {
    expect(envOf(service(name))).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      NATS_URL: 'nats://nats:4222',
      UPSTREAM_BASE_URL: 'http://sandbox:8090',
      NOTIFY_URL: 'http://api:8080/v1/notifications/alipay-cn',
      PUBLIC_SANDBOX_URL: 'http://localhost:8090',
      API_HOST: '0.0.0.0',
    });
  });
});

describe('Dockerfile', () => {
  const instructions = dockerfileText
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));

  it('builds on node:20-bookworm-slim and installs with npm ci --ignore-scripts from the lockfile', () => {
    expect(instructions[0]).toBe('FROM node:20-bookworm-slim');
    const copyManifests = instructions.findIndex((l) => /^COPY package\.json package-lock\.json /.test(l));
    const install = instructions.findIndex((l) => /^RUN npm ci\b.*--ignore-scripts/.test(l));
    const copySource = instructions.findIndex((l) => /^COPY (--chown=\S+ )?\. /.test(l));
    expect(copyManifests).toBeGreaterThan(0);
    expect(install).toBeGreaterThan(copyManifests);
    expect(copySource).toBeGreaterThan(install);
  });

  it('keeps the host node_modules and dev-server venv out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', '.tools', '.git']));
  });
});
