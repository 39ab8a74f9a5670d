// What an operator sees of a payment in the Temporal Web UI: a one-line summary and fixed details
// set at the start, the machine state as current details, a description on each handler, and a
// summary on every gateway call, publication and timer. Read back as the UI reads them.
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { workflowMetadataQuery } from '@temporalio/workflow';
import { describe, expect, it } from 'vitest';
import { cashierBody, eventsUntil, http, uniqueId, useService } from './support/service.js';

const { svc, shopper } = useService({});
const text = (p: temporal.api.common.v1.IPayload | null | undefined) => (p ? (defaultPayloadConverter.fromPayload(p) as string) : undefined);

describe('the payment in the Temporal UI', () => {
  it('shows a summary, details, the current state, handler descriptions and what each gateway call and timer is for', async () => {
    const id = uniqueId('ui');
    const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id, { terminalType: 'WAP' }));
    expect(res.status).toBe(201);
    await shopper.act('pay', id);
    await eventsUntil(svc.nats, res.body.paymentId, 'payment.succeeded');
    const handle = svc.api.client.workflow.getHandle(res.body.paymentId);

    const described = await handle.describe();
    expect(await described.staticSummary()).toBe(`CASHIER_PAYMENT · CNY 10.00 · order ${id} · WAP`);
    const details = await described.staticDetails();
    expect(details).toContain(`payment id: \`${res.body.paymentId}\``);
    expect(details).toContain(`expires: ${res.body.expiresAt}`);

    const metadata = await handle.query(workflowMetadataQuery);
    expect(metadata.currentDetails).toContain('**SUCCEEDED** in state `succeeded`');
    expect(metadata.currentDetails).toContain('refundable CNY 10.00');
    const descriptions = (defs: { name?: string | null; description?: string | null }[] | null | undefined) =>
      Object.fromEntries((defs ?? []).map((d) => [d.name, d.description]));
    expect(descriptions(metadata.definition?.queryDefinitions)).toMatchObject({ state: expect.stringContaining('GET /v1/payments/{paymentId}') });
    expect(descriptions(metadata.definition?.signalDefinitions)).toMatchObject({ notification: expect.stringContaining('NOTIFICATION') });
    expect(descriptions(metadata.definition?.updateDefinitions)).toMatchObject({
      pay: expect.stringContaining('POST /v1/payments'),
      refund: expect.stringContaining('refund'),
      cancel: expect.stringContaining('cancel'),
    });

    const history = await handle.fetchHistory();
    const summaries = history.events!.flatMap((e) => {
      const s = text(e.userMetadata?.summary);
      return s ? [s] : [];
    });
    expect(summaries).toEqual(expect.arrayContaining(['PAY: open the order upstream', 'publish payment.pending #1', 'publish payment.succeeded #2']));
    // Every timer says what it waits for.
    const timers = history.events!.filter((e) => e.timerStartedEventAttributes);
    expect(timers.length).toBeGreaterThan(0);
    for (const t of timers) expect(text(t.userMetadata?.summary)).toMatch(/expiry|DETAIL|cancellation period|close the run/);
  });
});
