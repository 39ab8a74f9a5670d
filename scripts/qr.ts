// `npm run qr -- <paymentId>`: prints the payment's QR code in the terminal (the `qrcode` library's
// terminal renderer) and the URL it encodes, for a quick scan with a phone. It reads the payment
// through the HTTP API, as a merchant would: at API_URL, else http://API_HOST:API_PORT (127.0.0.1
// when the API listens on every address), with the key in API_KEY, else the first of API_KEYS, else
// the one `npm start` generated into <DATA_DIR>/api-key (the README's curl examples use the same).
import { existsSync, readFileSync } from 'node:fs';
import { MerchantClient, PaymentApiError, type PaymentView } from '../client/index.js';
import { loadConfig, parseApiKeys, type Config } from '../config/config.js';
import { dataFiles, resolveDataDir } from '../devservers/data-files.js';
import { payActionText, qrTerminal } from '../domain/qr.js';

function apiUrl(config: Config): string {
  if (process.env.API_URL) return process.env.API_URL.replace(/\/+$/, '');
  const host = ['0.0.0.0', '::', ''].includes(config.API_HOST) ? '127.0.0.1' : config.API_HOST;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.API_PORT}`;
}

function apiKey(config: Config): string {
  if (process.env.API_KEY) return process.env.API_KEY;
  const configured = parseApiKeys(config.API_KEYS)[0];
  if (configured) return configured.secret;
  const file = dataFiles(resolveDataDir(config.DATA_DIR)).apiKey;
  if (!existsSync(file)) {
    console.error(`${file} is missing: \`npm start\` writes it on its first run (or set API_KEY, or API_KEYS)`);
    process.exit(2);
  }
  return readFileSync(file, 'utf8').trim();
}

const paymentId = process.argv.slice(2).find((a) => !a.startsWith('--'));
if (!paymentId) {
  console.error('usage: npm run qr -- <paymentId>   (e.g. alipay-cn:order-1001)');
  process.exit(2);
}
const config = loadConfig();
const base = apiUrl(config);
let view: PaymentView;
try {
  view = await new MerchantClient({ baseUrl: base, apiKey: apiKey(config), retries: 0 }).getPayment(paymentId);
} catch (err) {
  if (!(err instanceof PaymentApiError)) throw err;
  console.error(
    err.status === 0
      ? `cannot reach the API at ${base}: ${(err.cause as Error | undefined)?.cause ?? err.message} (is \`npm start\` running? API_URL / API_PORT)`
      : `GET /v1/payments/${paymentId} answered ${err.status} ${err.code}: ${err.message}`,
  );
  process.exit(1);
}
const text = payActionText(view.payAction);
if (text === null) {
  console.error(`payment ${paymentId} (${view.product}, ${view.status}) has no payAction, so no QR code`);
  process.exit(1);
}
process.stdout.write(await qrTerminal(text));
console.log(`\n${paymentId}  ${view.product}  ${view.status}\n${text}`);
