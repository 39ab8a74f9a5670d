// QR images of a payment's code (issue 10 part 5, DESIGN.md section 8), made with `qrcode`: the
// text of a payAction (QRCODE: its redirectUrl; REDIRECT: its url) as SVG, PNG or terminal text.
// Used by GET /v1/payments/{id}/qr, `npm run qr`, and the sandbox's cashier page and entry code.
// Not imported by workflow code (the workflow bundle stays free of it).
import QRCode from 'qrcode';
import type { PayAction } from '../gateway/wire.js';

/** Level M (about 15% of the code may be damaged): the usual choice for URLs on screens and paper. */
const ERROR_CORRECTION = 'M' as const;
/** The quiet zone the standard asks for: 4 modules of white around the code. */
const MARGIN = 4;
/** Pixels per module of a PNG: a typical cashier code (41 modules with the margin) is 328 px wide. */
const PNG_SCALE = 8;

export const SVG_TYPE = 'image/svg+xml';
export const PNG_TYPE = 'image/png';
export type QrImageType = typeof SVG_TYPE | typeof PNG_TYPE;

/** What the QR of a payAction encodes: the URL the shopper opens; null when there is no payAction. */
export function payActionText(payAction: PayAction | null): string | null {
  if (payAction === null) return null;
  return payAction.type === 'QRCODE' ? payAction.redirectUrl : payAction.url;
}

/** Text for XML and HTML: the five characters with a meaning escaped. */
export const escapeXml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c);

export interface SvgOptions {
  /** An accessible name (role="img", aria-label and <title>), e.g. for a QR inline in a page. */
  label?: string;
}

/** The QR of `text` as a standalone SVG document (viewBox in modules, no fixed size: it scales). */
export async function qrSvg(text: string, opts: SvgOptions = {}): Promise<string> {
  const svg = await QRCode.toString(text, { type: 'svg', errorCorrectionLevel: ERROR_CORRECTION, margin: MARGIN });
  if (opts.label === undefined) return svg;
  const label = escapeXml(opts.label);
  return svg.replace(/^<svg /, `<svg role="img" aria-label="${label}" `).replace(/^(<svg[^>]*>)/, `$1<title>${label}</title>`);
}

/** The QR of `text` as a PNG (black on white, PNG_SCALE pixels per module). */
export function qrPng(text: string): Promise<Buffer> {
  return QRCode.toBuffer(text, { type: 'png', errorCorrectionLevel: ERROR_CORRECTION, margin: MARGIN, scale: PNG_SCALE });
}

/** The QR of `text` in the library's terminal renderer (half-block characters, two rows a line). */
export function qrTerminal(text: string): Promise<string> {
  return QRCode.toString(text, { type: 'terminal', small: true, errorCorrectionLevel: ERROR_CORRECTION });
}

export function qrImage(text: string, type: QrImageType): Promise<string | Buffer> {
  return type === PNG_TYPE ? qrPng(text) : qrSvg(text);
}

/**
 * Which image an `Accept` header asks for: PNG when it rates image/png (exactly, or through
 * image/* or *\/*) above image/svg+xml; SVG otherwise (no header, a tie, q=0 for both, or only
 * types we do not make, e.g. text/html). The most specific range decides each type's q
 * (image/png;q=0 with *\/* refuses PNG); a range's q is 1 unless it says otherwise; ranges that
 * do not parse are ignored. Never refuses: a client that accepts neither still gets the SVG.
 */
export function preferredQrType(accept: string | string[] | undefined): QrImageType {
  const header = Array.isArray(accept) ? accept.join(',') : (accept ?? '');
  const ranges: { type: string; subtype: string; q: number }[] = [];
  for (const part of header.split(',')) {
    const [range, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const m = /^([a-z0-9!#$%&'*+.^_`|~-]+)\/([a-z0-9!#$%&'*+.^_`|~-]+)$/.exec(range ?? '');
    if (!m) continue;
    let q = 1;
    for (const p of params) {
      const qm = /^q\s*=\s*(.*)$/.exec(p);
      if (!qm) continue;
      q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(qm[1]) ? Number(qm[1]) : NaN;
    }
    if (Number.isNaN(q)) continue;
    ranges.push({ type: m[1], subtype: m[2], q });
  }
  const qualityOf = (type: string, subtype: string): number => {
    let best = { specificity: -1, q: 0 };
    for (const r of ranges) {
      const specificity =
        r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
      if (specificity > best.specificity || (specificity === best.specificity && specificity >= 0 && r.q > best.q)) best = { specificity, q: r.q };
    }
    return best.specificity < 0 ? 0 : best.q;
  };
  const png = qualityOf('image', 'png');
  return png > 0 && png > qualityOf('image', 'svg+xml') ? PNG_TYPE : SVG_TYPE;
}
