// The sandbox cashier page in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core through its executablePath; devservers/chromium.ts) opens a new CASHIER_PAYMENT's
// redirectUrl, sees the amount and the QR, and presses Pay or Decline, as a shopper would. The
// result is then read where a merchant reads it: GET /v1/payments/{id} and the event on the stream.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../devservers/chromium.js';
import { PaymentView } from '../domain/payment-view.js';
import { cashierBody, eventsUntil, http, uniqueId, useService } from './support/service.js';

const { svc, paymentUrl } = useService({});

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

/** A new CASHIER_PAYMENT of CNY 10.00 and its cashier page, open in a fresh browser context. */
async function openCashierPage(prefix: string): Promise<{ view: PaymentView; page: Page; id: string }> {
  const id = uniqueId(prefix);
  const created = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(id));
  expect(created.status).toBe(201);
  const view = PaymentView.parse(created.body);
  expect(view.payAction).toMatchObject({ type: 'QRCODE' });
  const { redirectUrl } = view.payAction as { redirectUrl: string };
  const page = await (await browser.newContext({ viewport: { width: 800, height: 900 } })).newPage();
  const response = await page.goto(redirectUrl);
  expect(response?.status()).toBe(200);
  return { view, page, id };
}

/** What the shopper sees before acting: the amount, the merchant order, the QR as an inline SVG. */
async function expectPayablePage(page: Page, id: string): Promise<void> {
  expect(await page.title()).toBe('Pay CNY 10.00');
  expect((await page.locator('.amount').textContent())?.trim()).toBe('CNY 10.00');
  await expect(page.getByText(id, { exact: true }).count()).resolves.toBe(1);
  const qr = page.getByRole('img', { name: 'QR code of this cashier page' });
  expect(await qr.count()).toBe(1);
  expect(await qr.evaluate((el) => el.tagName.toLowerCase())).toBe('svg');
  expect(await qr.isVisible()).toBe(true);
  const box = await qr.boundingBox();
  // 12rem square in the page's style: far bigger than an icon, a scannable code.
  expect(box?.width).toBeGreaterThan(100);
  expect(box?.height).toBeGreaterThan(100);
  // Drawn, not empty: a QR code is many dark modules.
  expect(await qr.locator('path, rect').count()).toBeGreaterThan(0);
}

/** Presses a button of the page and waits for the page the form post answers. */
async function press(page: Page, button: 'Pay' | 'Decline'): Promise<void> {
  await Promise.all([page.waitForURL(/\/(pay|decline)$/), page.getByRole('button', { name: button, exact: true }).click()]);
}

describe('the cashier page in headless Chromium', () => {
  it('shows the amount and the QR; Pay makes the payment SUCCEEDED with payment.succeeded on the stream', async () => {
    const { view, page, id } = await openCashierPage('browser-pay');
    try {
      await expectPayablePage(page, id);
      await press(page, 'Pay');
      expect((await page.locator('.notice').textContent())?.trim()).toBe('Payment successful.');
      // Paid: no QR and no buttons any more.
      expect(await page.locator('figure.qr').count()).toBe(0);
      expect(await page.getByRole('button').count()).toBe(0);
    } finally {
      await page.context().close();
    }

    const events = await eventsUntil(svc.nats, view.paymentId, 'payment.succeeded');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.succeeded']);
    expect(events[1].data).toMatchObject({ status: 'SUCCEEDED', amount: { currency: 'CNY', value: 1000 } });
    const got = await http('GET', paymentUrl(view.paymentId));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ paymentId: view.paymentId, status: 'SUCCEEDED', machineState: 'succeeded' });
  });

  it('shows the amount and the QR; Decline makes the payment FAILED with payment.failed on the stream', async () => {
    const { view, page, id } = await openCashierPage('browser-decline');
    try {
      await expectPayablePage(page, id);
      await press(page, 'Decline');
      expect((await page.locator('.notice').textContent())?.trim()).toBe('Payment declined.');
      expect(await page.locator('figure.qr').count()).toBe(0);
      expect(await page.getByRole('button').count()).toBe(0);
    } finally {
      await page.context().close();
    }

    const events = await eventsUntil(svc.nats, view.paymentId, 'payment.failed');
    expect(events.map((e) => e.type)).toEqual(['alipay_cn.payment.pending', 'alipay_cn.payment.failed']);
    expect(events[1].data).toMatchObject({ status: 'FAILED', failure: { code: 'PAYMENT_FAILED' } });
    const got = await http('GET', paymentUrl(view.paymentId));
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({ paymentId: view.paymentId, status: 'FAILED', machineState: 'failed' });
  });
});
