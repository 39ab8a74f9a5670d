// Writes the API documents generated from the zod schemas: docs/openapi.json (the merchant API,
// api/openapi.ts) and docs/asyncapi.json (the event stream, events/asyncapi.ts). Run `npm run docs`
// after changing a route, a request or view schema, an error code or an event; the API serves the
// same documents at GET /openapi.json and GET /asyncapi.json, and test/api-documents.test.ts fails
// while a committed file differs from what this script writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiText } from '../api/openapi.js';
import { asyncApiText } from '../events/asyncapi.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const API_DOCUMENTS = {
  openapi: { path: resolve(ROOT, 'docs/openapi.json'), text: openApiText },
  asyncapi: { path: resolve(ROOT, 'docs/asyncapi.json'), text: asyncApiText },
} as const;

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  mkdirSync(resolve(ROOT, 'docs'), { recursive: true });
  for (const { path, text } of Object.values(API_DOCUMENTS)) {
    writeFileSync(path, text());
    console.log(`wrote ${path.slice(ROOT.length)}`);
  }
}
