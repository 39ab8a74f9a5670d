// The static ENTRY_CODE a merchant prints: an EMVCo merchant-presented QR payload (EMV QRCPS-MPM).
// Every data object is ID (2 digits) + length (2 digits) + value; the payload ends with the CRC
// object 63 04 XXXX, computed over everything before XXXX (including "6304").
import { escapeXml, qrSvg } from '../domain/qr.js';

export const ENTRY_CODE_GUI = 'local.sandbox.alipaycn';

/** A codeId that fits the merchant account template (its value may be at most 99 characters). */
export const CODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF, no reflection, no final xor), as EMVCo specifies. */
export function crc16CcittFalse(text: string): number {
  let crc = 0xffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

function tlv(id: string, value: string): string {
  if (value.length > 99) throw new Error(`EMVCo data object ${id} is longer than 99 characters`);
  return `${id}${String(value.length).padStart(2, '0')}${value}`;
}

/** The static payload: no amount (54), so the shopper types it; the codeId identifies the counter. */
export function entryCodePayload(codeId: string): string {
  if (!CODE_ID_PATTERN.test(codeId)) throw new Error(`codeId must match ${CODE_ID_PATTERN}`);
  const body =
    tlv('00', '01') + // Payload Format Indicator
    tlv('01', '11') + // Point of Initiation Method: 11 static (12 would be a one-time dynamic code)
    tlv('26', tlv('00', ENTRY_CODE_GUI) + tlv('01', codeId)) + // Merchant Account Information template
    tlv('52', '5999') + // Merchant Category Code (miscellaneous retail)
    tlv('53', '156') + // Transaction Currency: CNY (ISO 4217 numeric)
    tlv('58', 'CN') + // Country Code
    tlv('59', 'SANDBOX MERCHANT') + // Merchant Name
    tlv('60', 'SHANGHAI') + // Merchant City
    '6304';
  return body + crc16CcittFalse(body).toString(16).toUpperCase().padStart(4, '0');
}


/**
 * The static code as a printable SVG sign, 60 mm by 72 mm: the QR of the EMVCo payload (its quiet
 * zone included) over two lines naming the wallet and the codeId. Units are millimetres.
 */
export async function entryCodeSvg(codeId: string): Promise<string> {
  const payload = entryCodePayload(codeId);
  // The library's SVG, nested as a 60 x 60 square (its viewBox is in modules).
  const qr = (await qrSvg(payload)).replace(/^<svg /, '<svg x="0" y="0" width="60" height="60" ');
  const id = escapeXml(codeId);
  // A long codeId (up to 64 characters) is squeezed into the sign's width.
  const fit = codeId.length > 28 ? ' textLength="56" lengthAdjust="spacingAndGlyphs"' : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="60mm" height="72mm" viewBox="0 0 60 72" role="img" aria-label="ALIPAY_CN entry code ${id}">` +
    `<title>ALIPAY_CN entry code ${id}</title>` +
    '<rect width="60" height="72" fill="#ffffff"/>' +
    qr +
    '<text x="30" y="63" text-anchor="middle" font-family="sans-serif" font-size="4" font-weight="bold" fill="#1677ff">ALIPAY_CN · scan to pay</text>' +
    `<text x="30" y="68.5" text-anchor="middle" font-family="monospace" font-size="3.2" fill="#333333"${fit}>${id}</text>` +
    '</svg>\n'
  );
}
