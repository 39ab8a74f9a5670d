// The cashier page a QRCODE redirectUrl or a REDIRECT url opens: the order at a glance, the
// shopper's Pay / Decline, and (while the order can be paid) the QR code of the page's own URL,
// inline SVG, so a shopper who opened it on a computer can scan it and pay on a phone.
import { formatMoney } from '../domain/money-format.js';
import { escapeXml as escapeHtml, payActionText, qrSvg } from '../domain/qr.js';
import type { Order } from './orders.js';

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f4f6f8; margin: 0; padding: 2rem 1rem; color: #1a1a1a; }
  main { max-width: 26rem; margin: 0 auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  h1 { font-size: 1.1rem; margin: 0 0 1rem; color: #1677ff; }
  .amount { font-size: 2rem; font-weight: 600; margin: .5rem 0 1rem; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .4rem 1rem; margin: 0 0 1.5rem; }
  dt { color: #666; } dd { margin: 0; word-break: break-all; }
  .actions { display: flex; gap: .75rem; } .actions form { flex: 1; }
  button { width: 100%; padding: .75rem; border: 0; border-radius: 8px; font-size: 1rem; cursor: pointer; }
  .pay { background: #1677ff; color: #fff; } .decline { background: #eee; color: #333; }
  .notice { padding: .75rem; border-radius: 8px; background: #f0f5ff; margin-bottom: 1rem; }
  .qr { text-align: center; margin: 0 0 1.5rem; } .qr svg { width: 12rem; height: 12rem; }
  .qr figcaption { color: #666; font-size: .85rem; margin-top: .25rem; }
  .status-SUCCESS { color: #389e0d; } .status-FAIL, .status-CLOSED, .status-CANCELLED { color: #cf1322; }
`;

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>ALIPAY_CN sandbox cashier</h1>
${content}
</main></body>
</html>`;
}

/** The QR of the page's own URL (the order's payAction), while the order can still be paid. */
async function pageQr(order: Order): Promise<string> {
  const url = payActionText(order.payAction);
  if (order.status !== 'PENDING' || url === null) return '';
  const svg = await qrSvg(url, { label: 'QR code of this cashier page' });
  return `<figure class="qr">${svg}<figcaption>On a computer? Scan with the ALIPAY_CN app to pay on your phone.</figcaption></figure>\n`;
}

export async function cashierPage(order: Order, notice?: string): Promise<string> {
  const base = `/sandbox/cashier/${encodeURIComponent(order.token)}`;
  const actions =
    order.status === 'PENDING'
      ? `<div class="actions">
  <form method="post" action="${base}/pay"><button class="pay" type="submit">Pay</button></form>
  <form method="post" action="${base}/decline"><button class="decline" type="submit">Decline</button></form>
</div>`
      : '';
  return layout(
    `Pay ${formatMoney(order.amount)}`,
    `${notice ? `<p class="notice">${escapeHtml(notice)}</p>` : ''}
<div class="amount">${escapeHtml(formatMoney(order.amount))}</div>
<dl>
  <dt>Merchant order</dt><dd>${escapeHtml(order.merchantTransId)}</dd>
  <dt>Description</dt><dd>${escapeHtml(order.description)}</dd>
  <dt>Status</dt><dd class="status-${escapeHtml(order.status)}">${escapeHtml(order.status)}</dd>
</dl>
${await pageQr(order)}${actions}`,
  );
}

export function cashierNotFoundPage(): string {
  return layout('Order not found', '<p>This payment code is unknown or no longer valid.</p>');
}
