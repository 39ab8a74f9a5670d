// QR images (issue 10 part 5, DESIGN.md section 8) on the real stack: GET /v1/payments/{id}/qr
// answers the payAction as PNG (Accept: image/png) or SVG (default), and both decode, with a QR
// decoder (jsQR; the SVG rasterized by resvg), to the payAction's URL; 409 NO_QR_CODE without a
// payAction, 404 unknown, 401 without a key. The sandbox cashier page carries its own URL as an
// inline SVG QR, and the printable entry code decodes to the EMVCo payload.
import { Resvg } from '@resvg/resvg-js';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import jsQRModule from 'jsqr';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../config/project-root.js';
import { PNG_TYPE, SVG_TYPE, preferredQrType } from '../domain/qr.js';
import { entryCodePayload } from '../sandbox/emvco.js';
import { TEST_API_KEY } from './support/constants.js';
import { PAY_CODE, cashierBody, http, uniqueId, useService } from './support/service.js';

const { svc, shopper, paymentUrl } = useService({ pollInitialMs: 500, pollMaxMs: 1000 });
/** jsqr is CommonJS typed as an ES module: its decoder is both module.exports and its `default`. */
const jsQR = jsQRModule.default;

/** The text of the one QR code in a PNG, or null when the decoder finds none. */
function decodePng(png: Buffer): string | null {
  const image = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.length), image.width, image.height)?.data ?? null;
}

/** Rasterizes an SVG (resvg, a real renderer, on white) and decodes its QR code. */
function decodeSvg(svg: string): string | null {
  return decodePng(new Resvg(svg, { fitTo: { mode: 'width', value: 400 }, background: '#ffffff' }).render().asPng());
}

/** GET the QR with a raw body (PNG bytes or SVG text). */
async function getQr(paymentId: string, headers: Record<string, string> = {}, apiKey: string | null = TEST_API_KEY.secret) {
  const res = await fetch(paymentUrl(paymentId, '/qr'), { headers: { ...(apiKey !== null && { authorization: `Bearer ${apiKey}` }), ...headers } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

const create = async (overrides: Record<string, unknown>) => {
  const res = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('qr'), overrides));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { paymentId: string; merchantTransId: string; payAction: { type: string; redirectUrl?: string; url?: string } | null };
};

/** A well-formed standalone SVG document with path data (checked without a renderer). */
function expectSvgDocument(text: string) {
  expect(text.trimStart()).toMatch(/^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox="0 0 \d+ \d+"/);
  expect(text.trimEnd()).toMatch(/<\/svg>$/);
  expect(text).toMatch(/<path [^>]*d="M[0-9 .hvmHVMz-]+"/);
  expect(text).not.toMatch(/<script|on\w+=/i);
}

describe('GET /v1/payments/{paymentId}/qr', () => {
  for (const product of ['CASHIER_PAYMENT', 'ORDER_CODE'] as const) {
    it(`${product}: PNG for Accept: image/png, SVG by default, both decoding to the redirectUrl`, async () => {
      const payment = await create({ product });
      expect(payment.payAction?.type).toBe('QRCODE');
      const url = payment.payAction!.redirectUrl!;

      const png = await getQr(payment.paymentId, { accept: 'image/png' });
      expect(png.status).toBe(200);
      expect(png.headers.get('content-type')).toBe('image/png');
      expect(png.headers.get('cache-control')).toBe('no-store');
      expect(png.headers.get('vary')).toMatch(/accept/i);
      expect(png.bytes.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect(decodePng(png.bytes)).toBe(url);

      const svg = await getQr(payment.paymentId);
      expect(svg.status).toBe(200);
      expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
      expect(svg.headers.get('cache-control')).toBe('no-store');
      expectSvgDocument(svg.bytes.toString('utf8'));
      expect(decodeSvg(svg.bytes.toString('utf8'))).toBe(url);
    });
  }

  it('a REDIRECT payAction (terminalType WAP) encodes its url', async () => {
    const payment = await create({ terminalType: 'WAP' });
    expect(payment.payAction?.type).toBe('REDIRECT');
    const png = await getQr(payment.paymentId, { accept: 'image/png' });
    expect(png.status).toBe(200);
    expect(decodePng(png.bytes)).toBe(payment.payAction!.url);
  });

  it('Accept lists and q-values: PNG only when image/png is rated above SVG', async () => {
    const payment = await create({});
    const typeFor = async (accept: string) => (await getQr(payment.paymentId, { accept })).headers.get('content-type')?.split(';')[0];
    expect(await typeFor('image/svg+xml')).toBe(SVG_TYPE);
    expect(await typeFor('text/html')).toBe(SVG_TYPE);
    expect(await typeFor('*/*')).toBe(SVG_TYPE);
    expect(await typeFor('image/png;q=0.9, image/svg+xml;q=0.5')).toBe(PNG_TYPE);
    expect(await typeFor('image/svg+xml;q=0, */*')).toBe(PNG_TYPE);
    expect(await typeFor('image/png;q=0, */*')).toBe(SVG_TYPE);
    // The same rules without the stack, including the edge cases.
    expect(preferredQrType(undefined)).toBe(SVG_TYPE);
    expect(preferredQrType('image/png, image/svg+xml')).toBe(SVG_TYPE);
    expect(preferredQrType('IMAGE/PNG')).toBe(PNG_TYPE);
    expect(preferredQrType('image/png;q=abc')).toBe(SVG_TYPE);
    expect(preferredQrType('image/png, */*;q=0.1')).toBe(PNG_TYPE);
    expect(preferredQrType(['text/html', 'image/png'])).toBe(PNG_TYPE);
    expect(preferredQrType('image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8')).toBe(SVG_TYPE);
  });

  it('409 NO_QR_CODE when the payment has no payAction: PAYMENT_CODE, ENTRY_CODE, a PAY the gateway refused', async () => {
    const expectNoQr = async (paymentId: string) => {
      for (const accept of ['image/png', 'image/svg+xml']) {
        const res = await http('GET', paymentUrl(paymentId, '/qr'), undefined, { headers: { accept } });
        expect(res.status, paymentId).toBe(409);
        expect(res.headers.get('content-type')).toMatch(/^application\/json/);
        expect(res.body).toEqual({ error: { code: 'NO_QR_CODE', message: expect.stringContaining(paymentId), details: [] } });
      }
    };
    const byCode = await create({ product: 'PAYMENT_CODE', payCodeValue: PAY_CODE });
    expect(byCode.payAction).toBeNull();
    await expectNoQr(byCode.paymentId);

    const entry = await shopper.payEntryCode(1200);
    await expect.poll(async () => (await http('GET', paymentUrl(entry.paymentId))).status, { timeout: 20_000 }).toBe(200);
    await expectNoQr(entry.paymentId);

    await shopper.faults({ failNext: { pay: 1, mode: 'reject' } });
    const refused = await http('POST', `${svc.apiUrl}/v1/payments`, cashierBody(uniqueId('qr-refused')));
    expect(refused.body.status, JSON.stringify(refused.body)).toBe('FAILED');
    expect(refused.body.payAction).toBeNull();
    await expectNoQr(refused.body.paymentId);
  });

  it('404 PAYMENT_NOT_FOUND for an unknown payment or an id that is not one, like GET', async () => {
    for (const id of [`alipay-cn:${uniqueId('qr-nobody')}`, 'not-a-payment-id']) {
      const res = await http('GET', paymentUrl(id, '/qr'), undefined, { headers: { accept: 'image/png' } });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('PAYMENT_NOT_FOUND');
      expect((await http('GET', paymentUrl(id))).body.error.code).toBe('PAYMENT_NOT_FOUND');
    }
  });

  it('401 UNAUTHENTICATED without a valid API key, before anything is read', async () => {
    const payment = await create({});
    for (const key of [null, 'not-the-key-0123456789-0123456789-0123456789']) {
      const res = await getQr(payment.paymentId, { accept: 'image/png' }, key);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(JSON.parse(res.bytes.toString('utf8')).error.code).toBe('UNAUTHENTICATED');
    }
    expect((await getQr(`alipay-cn:${uniqueId('qr-nobody')}`, {}, null)).status).toBe(401);
  });
});

describe('npm run qr -- <paymentId>', () => {
  const run = (paymentId: string, env: Record<string, string>) =>
    promisify(execFile)(join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx'), ['scripts/qr.ts', paymentId], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, API_URL: svc.apiUrl, ...env },
    });

  it('prints the QR in the terminal and the URL it encodes, reading the payment through the API', async () => {
    const payment = await create({ product: 'ORDER_CODE' });
    const { stdout } = await run(payment.paymentId, { API_KEY: TEST_API_KEY.secret });
    expect(stdout).toContain(payment.payAction!.redirectUrl!);
    expect(stdout).toMatch(/[▀▄█]{7}/); // the terminal renderer's half blocks (a finder pattern's edge)
    expect(stdout.split('\n').filter((l) => /[▀▄█]/.test(l)).length).toBeGreaterThan(10);
  });

  it('exits 1 with the reason for a payment without a code, an unknown one, or a wrong key', async () => {
    const byCode = await create({ product: 'PAYMENT_CODE', payCodeValue: PAY_CODE });
    await expect(run(byCode.paymentId, { API_KEY: TEST_API_KEY.secret })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('no payAction') });
    await expect(run(`alipay-cn:${uniqueId('qr-nobody')}`, { API_KEY: TEST_API_KEY.secret })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('404 PAYMENT_NOT_FOUND') });
    await expect(run(byCode.paymentId, { API_KEY: 'not-the-key-0123456789-0123456789-0123456789' })).rejects.toMatchObject({ code: 1, stderr: expect.stringContaining('401 UNAUTHENTICATED') });
  });
});

describe('sandbox: the cashier page and the entry code carry their QR', () => {
  it('the cashier page shows its own URL as an inline SVG QR while the order can be paid', async () => {
    const payment = await create({});
    const url = payment.payAction!.redirectUrl!;
    const page = await fetch(url);
    expect(page.status).toBe(200);
    const html = await page.text();
    const svg = /<svg [^>]*role="img"[^>]*>[\s\S]*?<\/svg>/.exec(html)?.[0];
    expect(svg, 'an inline <svg> in the page').toBeDefined();
    expect(html).not.toMatch(/<img[^>]+src="(https?:)?\/\//); // nothing fetched from elsewhere
    expectSvgDocument(svg!);
    expect(decodeSvg(svg!)).toBe(url);

    await shopper.act('pay', payment.merchantTransId);
    const paid = await (await fetch(url)).text();
    expect(paid).toContain('SUCCESS');
    expect(paid).not.toContain('<svg');
  });

  it('GET /sandbox/entry-code/{codeId}/qr.svg: a printable SVG whose QR is the EMVCo payload', async () => {
    const codeId = 'shop-42-counter-1';
    const res = await fetch(`${svc.sandboxUrl}/sandbox/entry-code/${codeId}/qr.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    const svg = await res.text();
    expect(svg).toMatch(/^<svg [^>]*width="60mm" height="72mm"/);
    expect(svg).toContain(codeId);
    const payload = (await http('GET', `${svc.sandboxUrl}/sandbox/entry-code/${codeId}`)).body.emvco;
    expect(payload).toBe(entryCodePayload(codeId));
    expect(decodeSvg(svg)).toBe(payload);

    const long = `${'x'.repeat(30)}.${'y'.repeat(33)}`;
    expect(decodeSvg(await (await fetch(`${svc.sandboxUrl}/sandbox/entry-code/${long}/qr.svg`)).text())).toBe(entryCodePayload(long));
    const bad = await http('GET', `${svc.sandboxUrl}/sandbox/entry-code/${encodeURIComponent('a b')}/qr.svg`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_ERROR');
  });
});
