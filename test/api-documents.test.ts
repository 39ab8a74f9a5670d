// The API documents (issue 10 parts 1 and 2, DESIGN.md section 8): docs/openapi.json and
// docs/asyncapi.json are what `npm run docs` generates from the zod schemas now; each is valid
// (OpenAPI 3.1 by @seriousme/openapi-schema-validator, AsyncAPI 3.0.0 by its JSON Schema from
// @asyncapi/specs); the OpenAPI document names every route the app registers and every error code
// api/ answers; its JSON Schemas say what the zod validators say; and what the real service
// answers and publishes validates against them. GET /openapi.json, /asyncapi.json and /docs are
// open, and /docs loads nothing from anywhere but the API itself.
import { Validator } from '@seriousme/openapi-schema-validator';
import asyncApiSpecs from '@asyncapi/specs';
import { Ajv, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsPlugin from 'ajv-formats';
import type { JsMsg } from 'nats';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../api/document-routes.js';
import { ERROR_CODES, openApiDocument, openApiText, type OpenApiDocument } from '../api/openapi.js';
import { cashierBody } from '../domain/example-requests.js';
import { validatePaymentRequest } from '../domain/payment-request.js';
import { PaymentView } from '../domain/payment-view.js';
import { PAYMENT_STATUSES } from '../domain/statuses.js';
import { PaymentListQuery } from '../api/payment-list-routes.js';
import { asyncApiDocument, asyncApiText, type AsyncApiDocument } from '../events/asyncapi.js';
import { CLOUD_EVENT_TYPES, EVENT_TYPES, PaymentEvent, STREAM_NAME, subjectFor } from '../events/schema.js';
import { PRODUCTS } from '../gateway/wire.js';
import { REQUEST_ERRORS } from '../workflows/messages.js';
import { API_DOCUMENTS } from '../scripts/api-documents.js';
import { TEST_API_KEY } from './support/constants.js';
import { http, startService, uniqueId, type TestService } from './support/service.js';

type Json = Record<string, any>;
const addFormats = addFormatsPlugin as unknown as (ajv: Ajv | Ajv2020) => void;

const openapi: OpenApiDocument = openApiDocument();
const asyncapi: AsyncApiDocument = asyncApiDocument();

/** The real service (worker, API) on the suite's servers: for the routes, the answers and the events. */
let svc: TestService;
beforeAll(async () => {
  svc = await startService();
});
afterAll(async () => svc?.stop());

/** Every object in `value` (depth first), with its JSON path. */
function* walk(value: unknown, path = '$'): Generator<[Json, string]> {
  if (value === null || typeof value !== 'object') return;
  yield [value as Json, path];
  for (const [k, v] of Object.entries(value)) yield* walk(v, `${path}.${k}`);
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];
/** [method, path, operation] of every operation in the OpenAPI document. */
const operations = () =>
  Object.entries(openapi.paths).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([m]) => METHODS.includes(m))
      .map(([m, op]) => [m.toUpperCase(), path, op as Json] as const),
  );

// ---------------------------------------------------------------------------------------------
// JSON Schema validation of the documents' schemas (refs into the components made absolute)

/** Ajv (2020-12) holding the OpenAPI components as urn:alipay-cn:openapi#/$defs/<id>, strict: a bad schema fails to compile. */
function openApiAjv() {
  // Strict (unknown keywords, missing types fail), but a `required` may name a property defined elsewhere (allOf).
  const ajv = new Ajv2020({ strict: true, strictRequired: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(absolute({ $id: 'urn:alipay-cn:openapi', $defs: openapi.components.schemas }, 'urn:alipay-cn:openapi#/$defs/'));
  return ajv;
}
/** Ajv (draft-07, what AsyncAPI schemas build on) holding the AsyncAPI components as urn:alipay-cn:asyncapi#/definitions/<id>. */
function asyncApiAjv() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  addFormats(ajv);
  ajv.addSchema(absolute({ $id: 'urn:alipay-cn:asyncapi', definitions: asyncapi.components.schemas }, 'urn:alipay-cn:asyncapi#/definitions/'));
  return ajv;
}
const absolute = <T>(schema: T, base: string): T => JSON.parse(JSON.stringify(schema).replaceAll('"#/components/schemas/', `"${base}`));

const oas = openApiAjv();
const compiled = new Map<string, ValidateFunction>();
/** A validator for a schema of the OpenAPI document (its component refs resolved). */
function openApiValidator(schema: Json): ValidateFunction {
  const key = JSON.stringify(schema);
  if (!compiled.has(key)) compiled.set(key, oas.compile(absolute(schema, 'urn:alipay-cn:openapi#/$defs/')));
  return compiled.get(key)!;
}
function expectValid(validate: ValidateFunction, value: unknown, what: string) {
  const ok = validate(value);
  expect(ok, `${what}: ${JSON.stringify(validate.errors?.slice(0, 5))}`).toBe(true);
}

// ---------------------------------------------------------------------------------------------

describe('docs/openapi.json and docs/asyncapi.json', () => {
  it.each(Object.entries(API_DOCUMENTS))('docs/%s.json is what `npm run docs` generates now', (name, { path, text }) => {
    const stale = `docs/${name}.json is missing or out of date with the zod schemas and routes: run \`npm run docs\``;
    expect(existsSync(path), stale).toBe(true);
    expect(readFileSync(path, 'utf8'), stale).toBe(text());
  });

  it('the committed documents are the ones the service serves', () => {
    expect(openApiText()).toBe(`${JSON.stringify(openapi, null, 2)}\n`);
    expect(asyncApiText()).toBe(`${JSON.stringify(asyncapi, null, 2)}\n`);
    expect(readdirSync(API_DOCUMENTS.openapi.path.replace(/openapi\.json$/, '')).filter((f) => f.endsWith('.json')).sort()).toEqual(['asyncapi.json', 'openapi.json']);
  });
});

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 (and the validator does refuse a broken one)', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(openapi) as never);
    expect(result.errors, JSON.stringify(result.errors, null, 2)?.slice(0, 2000)).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
    const broken = structuredClone(openapi) as Json;
    broken.paths['/healthz'].get.responses = { '200': { content: {} } };
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('has JSON Schemas that compile in strict mode, and every example validates against its schema', () => {
    let checked = 0;
    for (const [node, path] of walk(openapi.paths)) {
      // Media type objects (request bodies, responses) and parameters: schema + examples.
      if (node.schema && node.examples && typeof node.examples === 'object') {
        const validate = openApiValidator(node.schema);
        for (const [name, example] of Object.entries(node.examples as Record<string, Json>)) {
          expectValid(validate, example.value, `${path}.examples.${name}`);
          checked++;
        }
      }
    }
    for (const [node, path] of walk(openapi.components)) {
      if (node.schema && node.examples && typeof node.examples === 'object' && !Array.isArray(node.examples)) {
        const validate = openApiValidator(node.schema);
        for (const [name, example] of Object.entries(node.examples as Record<string, Json>)) {
          expectValid(validate, example.value, `${path}.examples.${name}`);
          checked++;
        }
      }
    }
    // Schema-level examples (the `examples` keyword: a list of values) against their own schema.
    for (const [node, path] of walk(openapi.components.schemas)) {
      if (Array.isArray(node.examples) && (node.type || node.$ref || node.anyOf)) {
        const { examples, ...schema } = node;
        for (const example of examples) expectValid(openApiValidator(schema), example, `${path}.examples`);
        checked += examples.length;
      }
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('documents exactly the routes the app registers (besides the /docs page assets)', () => {
    expect(svc, 'the service started').toBeDefined();
    const fastifyPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
    const registered = new Set(
      registeredRoutes(svc.api.app)
        .filter((r) => r.method !== 'HEAD' && !(r.url.startsWith('/docs/') || r.url === '/docs/'))
        .map((r) => `${r.method} ${fastifyPath(r.url)}`),
    );
    const documented = new Set(operations().map(([m, p]) => `${m} ${p}`));
    expect([...registered].sort()).toEqual([...documented].sort());
    // The page's own routes are all under /docs/ (and /docs itself is documented).
    const page = registeredRoutes(svc.api.app).filter((r) => r.url.startsWith('/docs/'));
    expect(page.map((r) => r.url)).toEqual(expect.arrayContaining(['/docs/static/*', '/docs/json']));
  });

  it('documents every error code api/ can answer, with the status it is answered with', () => {
    const sources = readdirSync('api')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(`api/${f}`, 'utf8'))
      .join('\n');
    const inCode = new Map<string, number | null>();
    for (const m of sources.matchAll(/ApiError\(\s*(\d{3}),\s*'([A-Z][A-Z0-9_]*)'/g)) inCode.set(m[2], Number(m[1]));
    // The framework's errors (api/server.ts FRAMEWORK_CODES) and the workflow's refusals (STATUS_OF).
    for (const m of sources.matchAll(/FST_ERR_[A-Z_]+: '([A-Z][A-Z0-9_]*)'/g)) if (!inCode.has(m[1])) inCode.set(m[1], null);
    for (const code of Object.values(REQUEST_ERRORS)) if (code !== REQUEST_ERRORS.currencyMismatch) inCode.set(code, 409);
    expect(inCode.size).toBeGreaterThan(15);
    for (const [code, status] of inCode) {
      expect(ERROR_CODES[code], `${code} (api/) is not in api/openapi.ts ERROR_CODES`).toBeDefined();
      if (status !== null) expect(ERROR_CODES[code].status, code).toBe(status);
    }
    // Each is answered by some operation (NOT_FOUND: by no route, said in the description).
    const answered = new Set<string>();
    const responses = (op: Json) => Object.values(op.responses as Record<string, Json>).map((r) => (r.$ref ? (openapi.components.responses[r.$ref.split('/').pop()!] as Json) : r));
    for (const [, , op] of operations()) {
      for (const r of responses(op)) {
        const examples = r.content?.['application/json']?.examples;
        for (const name of Object.keys(examples ?? {})) if (ERROR_CODES[name]) answered.add(name);
      }
    }
    for (const code of Object.keys(ERROR_CODES)) {
      if (code === 'NOT_FOUND') expect(openapi.info.description).toContain('404 NOT_FOUND');
      else expect(answered.has(code), `no operation lists ${code}`).toBe(true);
    }
    // …and ERROR_CODES lists nothing the code does not answer.
    expect(Object.keys(ERROR_CODES).filter((c) => !inCode.has(c))).toEqual([]);
  });

  it('marks /v1/payments… as needing the merchant key, and the webhook, health, metrics and documents as open', () => {
    expect(openapi.components.securitySchemes.merchantApiKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(openapi.security).toEqual([{ merchantApiKey: [] }]);
    for (const [method, path, op] of operations()) {
      if (path.startsWith('/v1/payments')) {
        expect(op.security, `${method} ${path}`).toBeUndefined();
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '429', '503']));
      } else expect(op.security, `${method} ${path}`).toEqual([]);
    }
  });

  it('says what POST /v1/payments accepts exactly as the validator decides it', () => {
    const validate = openApiValidator({ $ref: '#/components/schemas/PaymentRequest' });
    const cases: [string, Record<string, unknown>][] = [
      ['the example', {}],
      ['PAYMENT_CODE with its code', { product: 'PAYMENT_CODE', payCodeValue: '281234567890123456' }],
      ['PAYMENT_CODE without a code', { product: 'PAYMENT_CODE' }],
      ['PAYMENT_CODE with an empty code', { product: 'PAYMENT_CODE', payCodeValue: '' }],
      ['PAYMENT_CODE with a short code', { product: 'PAYMENT_CODE', payCodeValue: '28123' }],
      ['PAYMENT_CODE starting 31', { product: 'PAYMENT_CODE', payCodeValue: '311234567890123456' }],
      ['ORDER_CODE with a payment code', { product: 'ORDER_CODE', payCodeValue: '281234567890123456' }],
      ['ORDER_CODE with a terminalType', { product: 'ORDER_CODE', terminalType: 'WEB' }],
      ['CASHIER_PAYMENT from an APP', { terminalType: 'APP' }],
      ['an unknown terminalType', { terminalType: 'TV' }],
      ['ENTRY_CODE', { product: 'ENTRY_CODE' }],
      ['another method', { paymentMethod: 'CARD' }],
      ['a lower-case currency', { amount: { currency: 'cny', value: 1 } }],
      ['a currency outside ISO 4217', { amount: { currency: 'XYZ', value: 1 } }],
      ['gold', { amount: { currency: 'XAU', value: 1 } }],
      ['zero', { amount: { currency: 'CNY', value: 0 } }],
      ['a fraction', { amount: { currency: 'CNY', value: 10.5 } }],
      ['a string amount', { amount: { currency: 'CNY', value: '10' } }],
      ['the largest safe amount', { amount: { currency: 'JPY', value: Number.MAX_SAFE_INTEGER } }],
      ['a blank description', { goods: { description: '  \t ' } }],
      ['no goods', { goods: undefined }],
      ['a blank os', { riskData: { device: { os: ' ' } } }],
      ['the seed spelling riskData.Device', { riskData: { Device: { os: 'iOS' } } }],
      ['a javascript: returnUrl', { returnUrl: 'javascript:alert(1)' }],
      ['an http: returnUrl without //', { returnUrl: 'http:shop.example' }],
      ['an https returnUrl', { returnUrl: 'https://shop.example/done?x=1' }],
      ['a badly written expireAt', { expireAt: '2026/11/26 18:00' }],
      ['a space in merchantTransId', { merchantTransId: 'order 1' }],
      ['a 65-character merchantTransId', { merchantTransId: 'a'.repeat(65) }],
      ['an extra field', { extra: { anything: true } }],
      ['an array body', { __array: true }],
    ];
    for (const [what, overrides] of cases) {
      const body = overrides.__array ? [cashierBody('x')] : JSON.parse(JSON.stringify(cashierBody(uniqueId('doc'), overrides)));
      const zod = validatePaymentRequest(body, Date.now(), 'Asia/Shanghai');
      expect(validate(body), `${what}: the JSON Schema ${zod.ok ? 'refuses' : 'accepts'} what the validator ${zod.ok ? 'accepts' : 'refuses'} (${JSON.stringify(zod.ok ? validate.errors : zod.errors)})`).toBe(zod.ok);
    }
  });

  it('keeps the closed lists of the code: products, statuses, list parameters (each described)', () => {
    const schemas = openapi.components.schemas as Json;
    expect(schemas.PaymentView.properties.product.enum).toEqual([...PRODUCTS]);
    expect(schemas.PaymentView.properties.status.enum).toEqual([...PAYMENT_STATUSES]);
    expect(schemas.PaymentRequest.properties.product.enum).toEqual(PRODUCTS.filter((p) => p !== 'ENTRY_CODE'));
    const parameters: Json[] = (openapi.paths['/v1/payments'] as Json).get.parameters;
    expect(parameters.map((p) => p.name)).toEqual(Object.keys(PaymentListQuery.shape));
    for (const p of parameters) expect(p.description, `GET /v1/payments ${p.name} needs a description in api/openapi.ts listParameters`).toEqual(expect.any(String));
  });

  it('shows payment views, events and validation errors the service really makes', () => {
    let views = 0;
    for (const [node, path] of walk(openapi.paths)) {
      if (node.schema?.$ref === '#/components/schemas/PaymentView' && node.examples) {
        for (const [name, example] of Object.entries(node.examples as Record<string, Json>)) {
          expect(() => PaymentView.parse(example.value), `${path}.examples.${name}`).not.toThrow();
          views++;
        }
      }
    }
    expect(views).toBeGreaterThanOrEqual(5);
    for (const [type, message] of Object.entries(asyncapi.components.messages as Record<string, Json>)) {
      for (const example of message.examples) expect(() => PaymentEvent.parse(example.payload), type).not.toThrow();
    }
    // The VALIDATION_ERROR examples are the validators' own answers, each naming its fields.
    for (const [path, minimum] of [['/v1/payments', 3]] as const) {
      for (const method of ['post', 'get']) {
        const response = (openapi.paths[path] as Json)[method].responses['400'];
        const details = response.content['application/json'].examples.VALIDATION_ERROR.value.error.details;
        expect(details.length, `${method} ${path}`).toBeGreaterThanOrEqual(method === 'post' ? minimum : 2);
      }
    }
    const refund = (openapi.paths['/v1/payments/{paymentId}/refunds'] as Json).post.responses['400'];
    expect(refund.content['application/json'].examples.VALIDATION_ERROR.value.error.details.length).toBeGreaterThanOrEqual(2);
  });
});

describe('the AsyncAPI document', () => {
  it('is valid AsyncAPI 3.0.0 by its JSON Schema (and a broken one is refused)', () => {
    // The spec's schema embeds the draft-07 meta-schema: Ajv's own copy is left out.
    const ajv = new Ajv({ allErrors: true, strict: false, meta: false, validateSchema: false });
    addFormats(ajv);
    const validate = ajv.compile(asyncApiSpecs.schemas['3.0.0']);
    expectValid(validate, structuredClone(asyncapi), 'docs/asyncapi.json');
    const broken = structuredClone(asyncapi) as Json;
    broken.channels.paymentEvents.messages['payment.pending'] = { payload: 'not a schema', headers: 7 };
    expect(validate(broken)).toBe(false);
  });

  it('has one channel over every product and event type, a message per type, and type as the closed list', () => {
    const channel = asyncapi.channels.paymentEvents as Json;
    expect(channel.address).toBe('payments.alipay_cn.{product}.{type}');
    expect(channel.parameters.product.enum).toEqual([...PRODUCTS]);
    expect(channel.parameters.type.enum).toEqual([...EVENT_TYPES]);
    expect(Object.keys(channel.messages)).toEqual([...EVENT_TYPES]);
    expect((asyncapi.components.schemas.EventType as Json).enum).toEqual([...CLOUD_EVENT_TYPES]);
    expect((asyncapi.components.schemas.PaymentEvent as Json).properties.type).toEqual({ $ref: '#/components/schemas/EventType' });
    expect(asyncapi.info.description).toContain('nats-consumer-password');
  });

  it('has schemas that compile in strict mode, and every message example validates against its message', () => {
    const ajv = asyncApiAjv();
    for (const [type, message] of Object.entries(asyncapi.components.messages as Record<string, Json>)) {
      const payload = ajv.compile(absolute(message.payload, 'urn:alipay-cn:asyncapi#/definitions/'));
      const headers = ajv.compile(message.headers);
      expect(message.examples.length, type).toBeGreaterThan(0);
      for (const example of message.examples) {
        expectValid(payload, example.payload, `${type} payload`);
        expectValid(headers, example.headers, `${type} headers`);
        expect(example.payload.type).toBe(`alipay_cn.${type}`);
      }
      // The payload schema of one type refuses the envelope of another.
      const other = (asyncapi.components.messages as Record<string, Json>)[type === 'payment.pending' ? 'payment.succeeded' : 'payment.pending'].examples[0].payload;
      expect(payload(other), type).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// The real service: the documents are served, open, and what it answers and publishes fits them

/** The response of the documented operation for this status; fails when the status is not documented. */
function documentedResponse(method: string, path: string, status: number): Json {
  const op = (openapi.paths[path] as Json | undefined)?.[method.toLowerCase()];
  expect(op, `${method} ${path} is documented`).toBeDefined();
  const response = op.responses[String(status)];
  expect(response, `${method} ${path} documents ${status}`).toBeDefined();
  return response.$ref ? (openapi.components.responses[response.$ref.split('/').pop()] as Json) : response;
}

/** The answer fits the document: a documented status, content type and (for JSON) schema. */
function expectDocumented(method: string, path: string, res: { status: number; body: unknown; headers: Headers }) {
  const response = documentedResponse(method, path, res.status);
  const type = (res.headers.get('content-type') ?? '').split(';')[0].trim();
  expect(Object.keys(response.content ?? {}), `${method} ${path} ${res.status} content type`).toContain(type);
  const schema = response.content[type].schema;
  if (type === 'application/json') expectValid(openApiValidator(schema), res.body, `${method} ${path} ${res.status}`);
}

describe('the served documents', () => {
  it('GET /openapi.json and /asyncapi.json answer the committed documents, with or without any Authorization', async () => {
    for (const headers of [{}, { authorization: 'Bearer not-a-key' }, { authorization: `Bearer ${TEST_API_KEY.secret}` }] as Record<string, string>[]) {
      for (const [route, name] of [['/openapi.json', 'openapi'], ['/asyncapi.json', 'asyncapi']] as const) {
        const res = await fetch(`${svc.apiUrl}${route}`, { headers });
        expect(res.status, `${route} ${JSON.stringify(headers)}`).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(await res.text()).toBe(readFileSync(API_DOCUMENTS[name].path, 'utf8'));
      }
    }
  });

  it('GET /docs is an HTML page whose scripts, styles and icons are all served by the API', async () => {
    const res = await fetch(`${svc.apiUrl}/docs`, { headers: { authorization: 'Bearer not-a-key' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    // Nothing from another origin, even by accident: the page's policy allows only this one.
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    expect(res.headers.get('content-security-policy')).not.toMatch(/https?:|\*/);
    const html = await res.text();
    const urls = [...html.matchAll(/<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"/gi)].map((m) => m[1]);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    expect(urls.filter((u) => /\.js$/.test(u)).length).toBeGreaterThanOrEqual(2);
    expect(urls.filter((u) => /\.css$/.test(u)).length).toBeGreaterThanOrEqual(1);
    for (const url of urls) {
      expect(url, 'a local, relative URL').toMatch(/^(?:\/(?!\/)|\.\/|[A-Za-z0-9_.-]+(?:\/|$))/);
      const asset = await fetch(new URL(url, `${svc.apiUrl}/docs`));
      expect(asset.status, url).toBe(200);
      expect((await asset.arrayBuffer()).byteLength, url).toBeGreaterThan(0);
    }
    // The page reads the document from /docs/json: the same document.
    const doc = await http('GET', `${svc.apiUrl}/docs/json`);
    expect(doc.status).toBe(200);
    expect(doc.body).toEqual(openapi);
  });

  it('what the service answers fits the document', async () => {
    const merchantTransId = uniqueId('docs');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId));
    expect(created.status).toBe(201);
    expectDocumented('POST', '/v1/payments', created);
    const paymentId: string = created.body.paymentId;
    const again = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId));
    expectDocumented('POST', '/v1/payments', again);
    const conflict = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId, { amount: { currency: 'CNY', value: 2 } }));
    expect(conflict.status).toBe(409);
    expectDocumented('POST', '/v1/payments', conflict);
    const invalid = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('docs'), { product: 'ENTRY_CODE', amount: { currency: 'XYZ', value: 0 } }));
    expect(invalid.status).toBe(400);
    expectDocumented('POST', '/v1/payments', invalid);
    const unauthenticated = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('docs')), { apiKey: null });
    expectDocumented('POST', '/v1/payments', unauthenticated);

    expectDocumented('GET', '/v1/payments/{paymentId}', await http('GET', `${svc.apiUrl}/v1/payments/${paymentId}`));
    expectDocumented('GET', '/v1/payments/{paymentId}', await http('GET', `${svc.apiUrl}/v1/payments/alipay-cn:docs-nobody`));
    expectDocumented('GET', '/v1/payments', await http('GET', `${svc.apiUrl}/v1/payments?merchantTransId=${merchantTransId}`));
    expectDocumented('GET', '/v1/payments', await http('GET', `${svc.apiUrl}/v1/payments?status=PAID&pageSize=0`));
    for (const accept of ['image/svg+xml', 'image/png']) {
      expectDocumented('GET', '/v1/payments/{paymentId}/qr', await http('GET', `${svc.apiUrl}/v1/payments/${paymentId}/qr`, undefined, { headers: { accept } }));
    }
    const refund = await http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/refunds`, { refundId: 'r-1', amount: { currency: 'CNY', value: 100 } });
    expect(refund.status).toBe(409);
    expectDocumented('POST', '/v1/payments/{paymentId}/refunds', refund);
    expectDocumented('POST', '/v1/payments/{paymentId}/refunds', await http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/refunds`, { refundId: 'r 1' }));
    const cancelled = await http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/cancel`);
    expect(cancelled.status).toBe(200);
    expectDocumented('POST', '/v1/payments/{paymentId}/cancel', cancelled);
    expectDocumented('POST', '/v1/payments/{paymentId}/cancel', await http('POST', `${svc.apiUrl}/v1/payments/${paymentId}/cancel`));
    expectDocumented('GET', '/v1/payments/{paymentId}/qr', await http('GET', `${svc.apiUrl}/v1/payments/alipay-cn:docs-nobody/qr`));
    expectDocumented('POST', '/v1/notifications/alipay-cn', await http('POST', `${svc.apiUrl}/v1/notifications/alipay-cn`, { notifyId: 'x' }));
    expectDocumented('GET', '/healthz', await http('GET', `${svc.apiUrl}/healthz`));
    expectDocumented('GET', '/readyz', await http('GET', `${svc.apiUrl}/readyz`));
    expectDocumented('GET', '/metrics', await http('GET', `${svc.apiUrl}/metrics`));
  });

  it('what the service publishes fits the AsyncAPI document: subject, headers and payload', async () => {
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('docs-ev')));
    expect(created.status).toBe(201);
    const subject = subjectFor('CASHIER_PAYMENT', 'payment.pending');
    const js = svc.nats.jetstream();
    const deadline = Date.now() + 30_000;
    let found: JsMsg | undefined;
    while (!found && Date.now() < deadline) {
      const consumer = await js.consumers.get(STREAM_NAME, { filterSubjects: [subject] });
      for await (const m of await consumer.fetch({ max_messages: 10_000, expires: 1_000 })) {
        if (m.json<Json>().subject === created.body.paymentId) found = m;
      }
    }
    expect(found, `the payment.pending event of ${created.body.paymentId}`).toBeDefined();
    const message = (asyncapi.components.messages as Record<string, Json>)['payment.pending'];
    const ajv = asyncApiAjv();
    expectValid(ajv.compile(absolute(message.payload, 'urn:alipay-cn:asyncapi#/definitions/')), found!.json(), 'the published event');
    const headers = Object.fromEntries([...(found!.headers?.keys() ?? [])].map((k) => [k, found!.headers!.get(k)]));
    expectValid(ajv.compile(message.headers), headers, 'the published headers');
    expect(headers['Nats-Msg-Id']).toBe(found!.json<Json>().id);
    expect(found!.subject).toMatch(/^payments\.alipay_cn\.[A-Z_]+\.[a-z_]+\.[a-z_]+$/);
  });
});
