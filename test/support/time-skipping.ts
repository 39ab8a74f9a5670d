// The time-skipping test server for tests about timers (expiry, deadlines, machine paths).
import { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { binaries } from '../../devservers/servers.js';
import { SEARCH_ATTRIBUTE_SPECS } from '../../workflows/messages.js';

/** A fresh time-skipping test server knows no custom search attributes: register ours. */
export async function registerSearchAttributes(env: TestWorkflowEnvironment): Promise<void> {
  const { IndexedValueType } = temporal.api.enums.v1;
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    searchAttributes: Object.fromEntries(
      SEARCH_ATTRIBUTE_SPECS.map((spec) => spec.split('=')).map(([name, type]) => [name, type === 'Int' ? IndexedValueType.INDEXED_VALUE_TYPE_INT : IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD]),
    ),
  });
}

/** The time-skipping test server from .tools (never downloaded), with our search attributes. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: binaries.temporalTestServer } },
  });
  await registerSearchAttributes(env);
  return env;
}
