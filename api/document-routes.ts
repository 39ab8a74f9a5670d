// GET /openapi.json, GET /asyncapi.json and GET /docs (DESIGN.md section 8): the API and event
// documents, generated from the zod schemas (api/openapi.ts, events/asyncapi.ts; the same text
// `npm run docs` commits to docs/) once per process when first asked for, so they cost start-up
// nothing; and a page that renders the OpenAPI document for people: Swagger UI from
// @fastify/swagger-ui, whose assets it serves itself from node_modules under /docs/static/ (no
// CDN: the page works with no internet), reading the document from /docs/json.
// All three are open like /healthz: api/auth.ts asks a key only under /v1/payments.
//
// Registered before the other routes, it also keeps the list of every route registered after it
// (registeredRoutes): test/api-documents.test.ts compares it with the document's paths.
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { asyncApiDocument, asyncApiText } from '../events/asyncapi.js';
import { API_TITLE, ASYNCAPI_ROUTE, DOCS_ROUTE, OPENAPI_ROUTE, openApiDocument, openApiText } from './openapi.js';

/**
 * The page's Content-Security-Policy: everything from this origin, nothing from anywhere else (so
 * the page cannot depend on the internet even by accident), no inline script.
 */
export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "form-action 'self'",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self' 'unsafe-inline'",
].join('; ');

export interface RegisteredRoute {
  method: string;
  url: string;
}

const catalogues = new WeakMap<FastifyInstance, RegisteredRoute[]>();

/** Every route registered on `app` after documentRoutes (HEAD routes included), in order. */
export const registeredRoutes = (app: FastifyInstance): RegisteredRoute[] => [...(catalogues.get(app) ?? [])];

/** The documents, made once per process when first asked for: they only change with the code. */
let documents: { openapi: ReturnType<typeof openApiDocument>; openapiText: string; asyncapiText: string } | null = null;
export function generatedDocuments() {
  if (documents === null) {
    const openapi = openApiDocument();
    documents = { openapi, openapiText: openApiText(openapi), asyncapiText: asyncApiText(asyncApiDocument()) };
  }
  return documents;
}

export function documentRoutes(app: FastifyInstance): void {
  const routes: RegisteredRoute[] = [];
  catalogues.set(app, routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url });
  });

  const json = 'application/json; charset=utf-8';
  app.get(OPENAPI_ROUTE, async (_req, reply) => reply.type(json).send(generatedDocuments().openapiText));
  app.get(ASYNCAPI_ROUTE, async (_req, reply) => reply.type(json).send(generatedDocuments().asyncapiText));

  // @fastify/swagger-ui needs @fastify/swagger registered; in static mode it describes no route of
  // its own, and the page's document (/docs/json, /docs/yaml) is ours, made when first asked for.
  void app.register(fastifySwagger, { mode: 'static', specification: { document: { openapi: '3.1.1', info: { title: API_TITLE, version: '' }, paths: {} } } });
  void app.register(fastifySwaggerUi, {
    routePrefix: DOCS_ROUTE,
    staticCSP: DOCS_CSP,
    transformSpecification: () => generatedDocuments().openapi as never,
    transformSpecificationClone: false,
    theme: { title: `${API_TITLE} API` },
    uiConfig: { deepLinking: true, displayOperationId: true, defaultModelsExpandDepth: 1, tryItOutEnabled: false },
  });
}
