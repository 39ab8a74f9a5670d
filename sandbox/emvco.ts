// The static ENTRY_CODE a merchant prints: an EMVCo merchant-presented QR payload (EMV QRCPS-MPM).
// Every data object is ID (2 digits) + length (2 digits) + value; the payload ends with the CRC
// object 63 04 XXXX, computed over everything before XXXX (including "6304").
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
