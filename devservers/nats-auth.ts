// The two NATS identities of DESIGN.md section 8, as nats-server configuration: `service` (the
// worker and the API: creates the stream, publishes events) and `consumer` (reads the stream and
// manages its own consumers, never publishes an event, never changes or empties the stream).
// `npm start` writes this block into the embedded server's config with generated passwords;
// docker-compose.yml carries the same block with the passwords read from the environment
// (test/compose.test.ts holds the two equal).

/** What the service publishes and subscribes to: its events, the JetStream API, acks, replies. */
export const SERVICE_SUBJECTS = ['payments.>', '$JS.API.>', '$JS.ACK.>', '$JS.FC.>', '_INBOX.>'] as const;

/** Only the JetStream API calls a reader makes (stream info and lookups, consumers), acks, flow control, replies. */
export const CONSUMER_PUBLISH_ALLOW = [
  '$JS.API.INFO',
  '$JS.API.STREAM.INFO.>',
  '$JS.API.STREAM.NAMES',
  '$JS.API.STREAM.LIST',
  '$JS.API.STREAM.MSG.GET.>',
  '$JS.API.DIRECT.GET.>',
  '$JS.API.CONSUMER.>',
  '$JS.ACK.>',
  '$JS.FC.>',
  '_INBOX.>',
] as const;

/** Denied outright, whatever the allow list says: publishing events, changing or emptying the stream. */
export const CONSUMER_PUBLISH_DENY = [
  'payments.>',
  '$JS.API.STREAM.CREATE.>',
  '$JS.API.STREAM.UPDATE.>',
  '$JS.API.STREAM.DELETE.>',
  '$JS.API.STREAM.PURGE.>',
  '$JS.API.STREAM.MSG.DELETE.>',
] as const;

/** Messages reach a reader on its reply inbox (pull and ordered consumers) or live on the subjects. */
export const CONSUMER_SUBSCRIBE_ALLOW = ['payments.>', '_INBOX.>'] as const;

export const NATS_SERVICE_USER = 'service';
export const NATS_CONSUMER_USER = 'consumer';

const list = (subjects: readonly string[]) => `[${subjects.map((s) => JSON.stringify(s)).join(', ')}]`;

/** A password as a nats-server config value: a quoted literal, or `$NAME` to read the environment variable. */
export type PasswordValue = { literal: string } | { env: string };
const value = (p: PasswordValue) => ('env' in p ? `$${p.env}` : JSON.stringify(p.literal));

/** The `authorization` block with both users (nats-server config syntax). */
export function natsAuthorization(passwords: { service: PasswordValue; consumer: PasswordValue }): string {
  return [
    'authorization {',
    '  users: [',
    `    { user: ${JSON.stringify(NATS_SERVICE_USER)}, password: ${value(passwords.service)}, permissions: {`,
    `        publish: { allow: ${list(SERVICE_SUBJECTS)} },`,
    `        subscribe: { allow: ${list(SERVICE_SUBJECTS)} } } },`,
    `    { user: ${JSON.stringify(NATS_CONSUMER_USER)}, password: ${value(passwords.consumer)}, permissions: {`,
    `        publish: { allow: ${list(CONSUMER_PUBLISH_ALLOW)},`,
    `                   deny: ${list(CONSUMER_PUBLISH_DENY)} },`,
    `        subscribe: { allow: ${list(CONSUMER_SUBSCRIBE_ALLOW)} } } }`,
    '  ]',
    '}',
  ].join('\n');
}
