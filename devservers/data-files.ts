// What `npm start` keeps in DATA_DIR (default .data, relative to the repository root), in one place
// for start.ts, `npm run events` and the tests.
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../config/project-root.js';

/** DATA_DIR as an absolute path (a relative one is taken from the repository root). */
export const resolveDataDir = (dataDir: string): string => resolve(PROJECT_ROOT, dataDir);

/** The files under the data folder; `dir` as configured, so relative paths stay readable in messages. */
export function dataFiles(dir: string) {
  return {
    /** Temporal dev server's SQLite database. */
    temporalDb: join(dir, 'temporal.db'),
    /** nats-server's JetStream store (store_dir). */
    jetstream: join(dir, 'jetstream'),
    /** The embedded nats-server's config, rewritten at every start (holds the passwords; 0600). */
    natsConfig: join(dir, 'nats-server.conf'),
    /** Generated once, 0600: the dev API key (when API_KEYS is unset) and the NATS passwords. */
    apiKey: join(dir, 'api-key'),
    natsServicePassword: join(dir, 'nats-service-password'),
    natsConsumerPassword: join(dir, 'nats-consumer-password'),
    /** {"start": pid, "temporal": pid, "nats": pid} of the running `npm start`, rewritten on every restart. */
    pids: join(dir, 'pids.json'),
  };
}
