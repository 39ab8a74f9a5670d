// The activity factory: the worker builds activities once from their clients.
import type { JetStreamClient } from 'nats';
import type { GatewayClient } from '../gateway/client.js';
import type { BusinessMetrics } from './business-metrics.js';
import { gatewayActivities } from './gateway-activities.js';
import { publishActivities } from './publish-activities.js';
import { refundActivities } from './refund-activities.js';

export interface ActivityDeps {
  gateway: GatewayClient;
  js: JetStreamClient;
  notifyUrl: string;
  /** Whether the NATS connection is up now; the local publish try fails at once when it is not. */
  natsUp?: () => boolean;
  /** The time-to-final histogram (the gateway client times its own calls); none when absent. */
  metrics?: BusinessMetrics;
}

export function createActivities(deps: ActivityDeps) {
  return { ...gatewayActivities(deps.gateway, deps.notifyUrl), ...refundActivities(deps.gateway, deps.notifyUrl), ...publishActivities(deps.js, deps.natsUp, deps.metrics) };
}

export type Activities = ReturnType<typeof createActivities>;
