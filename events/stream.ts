// Creates or updates the JetStream stream of the contract at start.
import { RetentionPolicy, StorageType, nanos, type JetStreamManager } from 'nats';
import { DUPLICATE_WINDOW_MS, STREAM_NAME, SUBJECT_PREFIX } from './schema.js';

export async function ensureStream(jsm: JetStreamManager): Promise<void> {
  const config = {
    name: STREAM_NAME,
    subjects: [`${SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
  };
  try {
    await jsm.streams.info(STREAM_NAME);
    await jsm.streams.update(STREAM_NAME, config);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
}
