// The workflow bundle as `npm run build` makes it for the Docker image and `node dist/...`: the
// project compiled by tsc (ES modules, as package.json says "type": "module"), then bundled from
// the compiled tree. The tests' own bundle is made from the TypeScript sources, which webpack reads
// differently; this file checks the compiled one: it holds OpenTelemetry's workflow interceptors
// (loaded by workflows/tracing.ts only for traced payments), and a traced payment runs on it.
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config/project-root.js';
import { SERVICE_NAMES } from '../telemetry/logger.js';
import { startTracing } from '../telemetry/tracing.js';
import { cashierBody, eventsUntil, http, uniqueId, useService } from './support/service.js';

const out = join(PROJECT_ROOT, '.build-test');
const bundlePath = join(out, 'workflow-bundle.js');

// Before the service starts (its worker loads this bundle): `npm run build`, into .build-test/.
beforeAll(() => {
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out], { cwd: PROJECT_ROOT, stdio: 'pipe' });
  execFileSync(process.execPath, [join(out, 'scripts', 'bundle-workflows.js')], { cwd: PROJECT_ROOT, stdio: 'pipe' });
}, 180_000);

const spans = new InMemorySpanExporter();
const { svc, shopper } = useService({
  tracing: startTracing(SERVICE_NAMES.api, new SimpleSpanProcessor(spans)),
  workerTracing: startTracing(SERVICE_NAMES.worker, new SimpleSpanProcessor(spans)),
  workflowBundlePath: bundlePath,
});

describe("npm run build's workflow bundle", () => {
  it("holds OpenTelemetry's workflow interceptors, bundled, not a require left for the sandbox", () => {
    const code = readFileSync(bundlePath, 'utf8');
    expect(code).toContain('OpenTelemetryInboundInterceptor');
    expect(code).not.toMatch(/require\("@temporalio\/interceptors-opentelemetry/);
  });

  it('runs a traced payment to SUCCEEDED, with the workflow and its activities in the trace', async () => {
    const merchantTransId = uniqueId('built');
    const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(merchantTransId));
    expect(created.status).toBe(201);
    await shopper.act('pay', merchantTransId);
    const events = await eventsUntil(svc.nats, created.body.paymentId, 'payment.succeeded');
    const [request] = spans.getFinishedSpans().filter((s) => s.name === 'POST /v1/payments' && s.attributes['http.request_id'] === created.headers.get('x-request-id'));
    const traceId = request.spanContext().traceId;
    const names = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId).map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['StartActivity:pay', 'RunActivity:pay', 'gateway PAY']));
    for (const event of events) expect(event.traceparent?.split('-')[1]).toBe(traceId);
  });
});
