// The activity factory: the worker builds activities once from their clients.
import type { JetStreamClient } from 'nats';
import type { GatewayClient } from '../gateway/client.js';
import { gatewayActivities } from './gateway-activities.js';
import { publishActivities } from './publish-activities.js';
import { refundActivities } from './refund-activities.js';

export interface ActivityDeps {
  gateway: GatewayClient;
  js: JetStreamClient;
  notifyUrl: string;
  /** Whether the NATS connection is up now; the local publish try fails at once when it is not. */
  natsUp?: () => boolean;
}

export function createActivities(deps: ActivityDeps) {
  return { ...gatewayActivities(deps.gateway, deps.notifyUrl), ...refundActivities(deps.gateway, deps.notifyUrl), ...publishActivities(deps.js, deps.natsUp) };
}

export type Activities = ReturnType<typeof createActivities>;
