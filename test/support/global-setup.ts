// One Temporal dev server, one nats-server (temp store) and the gateway sandbox on free ports for
// the whole run; the workflow bundle is built once and shared with every test file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startNats, startTemporalDev } from '../../devservers/servers.js';
import { startSandbox } from '../../sandbox/server.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { TEST_GATEWAY } from './constants.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    natsUrl: string;
    sandboxUrl: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject) {
  const dir = mkdtempSync(join(tmpdir(), 'alipay-cn-test-'));
  const [temporal, nats, bundle] = await Promise.all([
    startTemporalDev({ uiPort: null }),
    startNats({ storeDir: join(dir, 'jetstream') }),
    bundleWorkflows(),
  ]);
  const sandbox = await startSandbox({
    port: 0,
    clientId: TEST_GATEWAY.clientId,
    secret: TEST_GATEWAY.secret,
    notifyRetryMs: TEST_GATEWAY.notifyRetryMs,
    timezone: TEST_GATEWAY.timeZone,
  });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  project.provide('temporalAddress', temporal.address);
  project.provide('natsUrl', nats.url);
  project.provide('sandboxUrl', sandbox.url);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await sandbox.close();
    await Promise.all([temporal.stop(), nats.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
}
