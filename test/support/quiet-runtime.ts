// Each test process installs the Temporal runtime with a WARN logger before any worker starts,
// so test output shows failures and warnings, not every worker state change.
import { DefaultLogger, Runtime, makeTelemetryFilterString } from '@temporalio/worker';

Runtime.install({
  logger: new DefaultLogger('WARN'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});
