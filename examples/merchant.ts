// A merchant, written only against client/: creates a CASHIER_PAYMENT, prints its QR code URL,
// waits until the shopper paid (press Pay on the sandbox cashier page), refunds part of it, and
// lists it. Run with `npm start` in another terminal:
//   API_KEY="$(cat .data/api-key)" npx tsx examples/merchant.ts
// API_URL (default http://127.0.0.1:8080) and API_KEY as in `npm run qr`.
import { MerchantClient, PaymentApiError } from '../client/index.js';

const apiKey = process.env.API_KEY;
if (!apiKey) {
  console.error('set API_KEY (`npm start` writes one to .data/api-key)');
  process.exit(2);
}
const client = new MerchantClient({ baseUrl: process.env.API_URL ?? 'http://127.0.0.1:8080', apiKey, retries: 3 });

const merchantTransId = `example-${Date.now()}`;
const payment = await client.createPayment({
  merchantTransId,
  paymentMethod: 'ALIPAY_CN',
  product: 'CASHIER_PAYMENT',
  amount: { currency: 'CNY', value: 1000 },
  goods: { description: 'Green tea' },
  riskData: { device: { os: 'iOS' } },
});
console.log(`created ${payment.paymentId}: ${payment.status}`, payment.payAction);
console.log(`QR code: ${(await client.qr(payment.paymentId, 'svg')).length} bytes of SVG`);

console.log('waiting for the shopper to pay (open the payAction URL and press Pay) ...');
let view = payment;
while (view.status === 'PENDING' || view.status === 'CREATED') {
  await new Promise((r) => setTimeout(r, 1_000));
  view = await client.getPayment(payment.paymentId);
}
console.log(`${view.paymentId}: ${view.status}`);

if (view.status === 'SUCCEEDED') {
  const refund = await client.refund(view.paymentId, { refundId: 'r-1', amount: { currency: 'CNY', value: 300 }, reason: 'one cup returned' });
  console.log(`refund ${refund.refundId}: ${refund.status}`);
  try {
    await client.refund(view.paymentId, { refundId: 'r-2', amount: { currency: 'CNY', value: 800 } });
  } catch (err) {
    if (!(err instanceof PaymentApiError)) throw err;
    console.log(`a second refund of 800 is refused: ${err.status} ${err.code}: ${err.message}`);
  }
}

for await (const listed of client.allPayments({ merchantTransId })) {
  console.log(`listed: ${listed.paymentId} ${listed.status} refunded ${listed.refundedAmount.value}`);
}
