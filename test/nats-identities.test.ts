// The embedded nats-server's identities (DESIGN.md section 8), on a real nats-server started the
// way `npm start` starts it: `service` creates the stream and publishes; `consumer` reads every
// event (ordered consumer, durable consumer with acks) but cannot publish an event or change the
// stream; nobody gets in without a password.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, connect, nanos, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STREAM_NAME } from '../events/schema.js';
import { ensureStream } from '../events/stream.js';
import { freePort, startNats, type RunningServer } from '../devservers/servers.js';
import { loadConfig } from '../config/config.js';

const SUBJECT = 'payments.alipay_cn.CASHIER_PAYMENT';
const password = () => randomBytes(24).toString('base64url');
const auth = { servicePassword: password(), consumerPassword: password() };

let dir: string;
let nats: RunningServer;
let service: NatsConnection;
let consumer: NatsConnection;

const messageCount = async () => (await (await service.jetstreamManager()).streams.info(STREAM_NAME)).state.messages;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nats-identities-'));
  nats = await startNats({ port: await freePort(), storeDir: join(dir, 'jetstream'), auth });
  service = await connect({ servers: nats.url, user: 'service', pass: auth.servicePassword });
  consumer = await connect({ servers: nats.url, user: 'consumer', pass: auth.consumerPassword });
});

afterAll(async () => {
  await consumer?.close();
  await service?.close();
  await nats?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('embedded nats-server identities', () => {
  it('writes its config, with the passwords, readable by the owner only', () => {
    expect(statSync(join(dir, 'nats-server.conf')).mode & 0o777).toBe(0o600);
  });

  it('service creates the stream and publishes events', async () => {
    await ensureStream(await service.jetstreamManager());
    const js = service.jetstream();
    const types = ['payment.pending', 'payment.succeeded', 'refund.succeeded'];
    for (const [i, type] of types.entries()) {
      const ack = await js.publish(`${SUBJECT}.${type}`, JSON.stringify({ sequence: i + 1, type }), { msgID: `alipay-cn:order-1/${i + 1}` });
      expect(ack.duplicate).toBe(false);
    }
    expect(await messageCount()).toBe(3);
  });

  it('the stream keeps events for EVENTS_MAX_AGE_DAYS (30 by default), and a new setting is applied at the next start', async () => {
    const jsm = await service.jetstreamManager();
    expect((await jsm.streams.info(STREAM_NAME)).config.max_age).toBe(nanos(30 * 24 * 3_600_000));
    await ensureStream(jsm, loadConfig({ EVENTS_MAX_AGE_DAYS: '7' }).EVENTS_MAX_AGE_DAYS * 24 * 3_600_000);
    expect((await jsm.streams.info(STREAM_NAME)).config.max_age).toBe(nanos(7 * 24 * 3_600_000));
    expect(await messageCount()).toBe(3); // nothing dropped that is younger
  });

  it('consumer reads every event through an ordered consumer', async () => {
    const ordered = await consumer.jetstream().consumers.get(STREAM_NAME, { filterSubjects: ['payments.alipay_cn.>'] });
    const read: string[] = [];
    for await (const m of await ordered.fetch({ max_messages: 3, expires: 5_000 })) read.push(m.subject);
    expect(read).toEqual([`${SUBJECT}.payment.pending`, `${SUBJECT}.payment.succeeded`, `${SUBJECT}.refund.succeeded`]);
  });

  it('consumer creates a durable consumer and acknowledges what it read', async () => {
    const jsm = await consumer.jetstreamManager();
    await jsm.consumers.add(STREAM_NAME, { durable_name: 'ledger', ack_policy: AckPolicy.Explicit });
    const durable = await consumer.jetstream().consumers.get(STREAM_NAME, 'ledger');
    const acked: boolean[] = [];
    for await (const m of await durable.fetch({ max_messages: 3, expires: 5_000 })) acked.push(await m.ackAck());
    expect(acked).toEqual([true, true, true]);
    const info = await durable.info();
    expect(info.delivered.stream_seq).toBe(3);
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
  });

  it('consumer may not publish an event: permission error, the stream unchanged', async () => {
    const before = await messageCount();
    await expect(
      consumer.jetstream().publish(`${SUBJECT}.payment.succeeded`, JSON.stringify({ forged: true }), { msgID: 'forged/1' }),
    ).rejects.toMatchObject({ code: 'PERMISSIONS_VIOLATION', message: expect.stringMatching(/Permissions Violation for Publish to "payments\.alipay_cn\.CASHIER_PAYMENT\.payment\.succeeded"/) });
    // A plain publish (no reply) is dropped by the server as well.
    consumer.publish(`${SUBJECT}.payment.succeeded`, JSON.stringify({ forged: true }));
    await consumer.flush();
    expect(await messageCount()).toBe(before);
    expect(consumer.isClosed()).toBe(false);
  });

  it('consumer may not change, purge or delete the stream or its messages', async () => {
    const jsm = await consumer.jetstreamManager();
    const denied = { code: 'PERMISSIONS_VIOLATION' };
    await expect(jsm.streams.purge(STREAM_NAME)).rejects.toMatchObject(denied);
    await expect(jsm.streams.deleteMessage(STREAM_NAME, 1)).rejects.toMatchObject(denied);
    await expect(jsm.streams.update(STREAM_NAME, { max_msgs: 1 })).rejects.toMatchObject(denied);
    await expect(jsm.streams.delete(STREAM_NAME)).rejects.toMatchObject(denied);
    await expect(jsm.streams.add({ name: 'OTHER', subjects: ['other.>'] })).rejects.toMatchObject(denied);
    expect(await messageCount()).toBe(3);
  });

  it('refuses a connection without a password or with a wrong one', async () => {
    await expect(connect({ servers: nats.url, reconnect: false })).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    await expect(connect({ servers: nats.url, user: 'consumer', pass: auth.servicePassword, reconnect: false })).rejects.toMatchObject({
      code: 'AUTHORIZATION_VIOLATION',
    });
  });
});
