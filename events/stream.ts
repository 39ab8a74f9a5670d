// Creates or updates the JetStream stream of the contract at start. Events are kept for
// `maxAgeMs` (EVENTS_MAX_AGE_DAYS), then dropped: the stream does not grow forever.
import { RetentionPolicy, StorageType, nanos, type JetStreamManager } from 'nats';
import { DUPLICATE_WINDOW_MS, STREAM_NAME, SUBJECT_PREFIX } from './schema.js';

/** How long the stream keeps an event unless told otherwise (EVENTS_MAX_AGE_DAYS' default). */
export const DEFAULT_EVENTS_MAX_AGE_DAYS = 30;

export async function ensureStream(jsm: JetStreamManager, maxAgeMs = DEFAULT_EVENTS_MAX_AGE_DAYS * 24 * 3_600_000): Promise<void> {
  const config = {
    name: STREAM_NAME,
    subjects: [`${SUBJECT_PREFIX}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    max_age: nanos(maxAgeMs),
  };
  try {
    await jsm.streams.info(STREAM_NAME);
    await jsm.streams.update(STREAM_NAME, config);
  } catch (err) {
    if (!/stream not found/i.test((err as Error).message)) throw err;
    await jsm.streams.add(config);
  }
}
