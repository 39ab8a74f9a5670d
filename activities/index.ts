// The activity factory: the worker builds activities once from their clients.
import type { JetStreamClient, NatsConnection } from 'nats';
import type { GatewayClient } from '../gateway/client.js';
import { gatewayActivities } from './gateway-activities.js';
import { publishActivities } from './publish-activities.js';
import { refundActivities } from './refund-activities.js';

export interface ActivityDeps {
  gateway: GatewayClient;
  js: JetStreamClient;
  /** Lets the publish activity fail fast on a closed connection. */
  nc?: NatsConnection;
  notifyUrl: string;
}

export function createActivities(deps: ActivityDeps) {
  return { ...gatewayActivities(deps.gateway, deps.notifyUrl), ...refundActivities(deps.gateway, deps.notifyUrl), ...publishActivities(deps.js, deps.nc) };
}

export type Activities = ReturnType<typeof createActivities>;
