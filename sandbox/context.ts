// What the sandbox's routes share: its options, the order book, the notifier and the faults.
import type { FaultState } from './faults.js';
import type { Notifier } from './notifier.js';
import type { OrderStore } from './orders.js';

export interface SandboxContext {
  clientId: string;
  secret: string;
  timezone: string;
  /** The one clock of the sandbox (injectable so tests can move past expiry and the cancel window). */
  now: () => number;
  orders: OrderStore;
  notifier: Notifier;
  faults: FaultState;
}
