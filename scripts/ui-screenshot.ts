// `npm run ui:screenshot -- <paymentId> [out.png]`: photographs a payment's page in the Temporal
// Web UI with headless Chromium (devservers/chromium.ts), for docs and for checking by eye what an
// operator sees. Two PNGs: `out.png`, the workflow's "User Metadata" tab (the summary line, the
// fixed details and the current details the workflow sets), 1280x900; and `out-history.png`, the
// compact event history with the summary of each gateway call, publication and timer, 1600x900
// with the navigation folded (wide enough for the summaries). Default `out`: <DATA_DIR>/screenshots/<paymentId>.png.
// The UI is the one `npm start` serves: TEMPORAL_UI_URL, else http://127.0.0.1:TEMPORAL_UI_PORT;
// the namespace is TEMPORAL_NAMESPACE. The workflow id is the paymentId.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { loadConfig } from '../config/config.js';
import { launchChromium } from '../devservers/chromium.js';
import { resolveDataDir } from '../devservers/data-files.js';

const [paymentId, outArg] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
if (!paymentId) {
  console.error('usage: npm run ui:screenshot -- <paymentId> [out.png]   (e.g. alipay-cn:order-1001)');
  process.exit(2);
}
const config = loadConfig();
const ui = (process.env.TEMPORAL_UI_URL ?? `http://127.0.0.1:${config.TEMPORAL_UI_PORT}`).replace(/\/+$/, '');
const out = resolve(outArg ?? join(resolveDataDir(config.DATA_DIR), 'screenshots', `${paymentId.replace(/[^A-Za-z0-9._-]/g, '_')}.png`));
const historyOut = out.replace(/(\.png)?$/i, '-history.png');
const workflowUrl = `${ui}/namespaces/${encodeURIComponent(config.TEMPORAL_NAMESPACE)}/workflows/${encodeURIComponent(paymentId)}`;

/** The rendered markdown of the User Metadata tab, by iframe id (user-metadata-summary, ...). */
async function userMetadata(page: Page): Promise<Record<string, string>> {
  const texts: Record<string, string> = {};
  for (const frame of await page.locator('iframe[id^="user-metadata-"]').elementHandles()) {
    const id = (await frame.getAttribute('id')) ?? '?';
    const body = await (await frame.contentFrame())?.locator('body').innerText().catch(() => '');
    texts[id.replace('user-metadata-', '')] = (body ?? '').replace(/\n{2,}/g, '\n').trim();
  }
  return texts;
}

class Failed extends Error {}
const fail = (message: string): never => {
  throw new Failed(message);
};

mkdirSync(dirname(out), { recursive: true });
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(workflowUrl, { waitUntil: 'load' }).catch((err: Error) =>
    fail(`cannot open the Temporal Web UI at ${ui}: ${err.message.split('\n')[0]} (is \`npm start\` running? TEMPORAL_UI_PORT / TEMPORAL_UI_URL)`),
  );
  // The UI redirects a workflow id to its latest run: .../workflows/<id>/<runId>/<tab>.
  await page
    .waitForURL(/\/workflows\/[^/]+\/[^/]+\/[a-z-]+$/, { timeout: 20_000 })
    .catch(() => fail(`the Web UI did not open workflow ${paymentId} in namespace ${config.TEMPORAL_NAMESPACE} (unknown payment?); it shows ${page.url()}`));
  const run = page.url().replace(/\/[a-z-]+$/, '');

  // 1. Summary, details and current details. The current details arrive with a query to the
  //    running workflow, after the page itself: wait until all three have text (or say which has none).
  await page.goto(`${run}/user-metadata`, { waitUntil: 'load' });
  await page.getByText('Current Details').first().waitFor();
  let metadata: Record<string, string> = {};
  for (const deadline = Date.now() + 15_000; Date.now() < deadline; await page.waitForTimeout(250)) {
    metadata = await userMetadata(page);
    if (Object.keys(metadata).length >= 3 && Object.values(metadata).every(Boolean)) break;
  }
  await page.mouse.move(0, 0);
  await page.screenshot({ path: out });

  // 2. The compact event history: one row per gateway call, publication, timer, signal and update.
  await page.setViewportSize({ width: 1600, height: 900 });
  await page.goto(`${run}/history`, { waitUntil: 'load' });
  // The navigation bar folded away, so that the longest timer summaries fit on their row.
  await page.getByTitle('Collapse Navigation').click({ timeout: 5_000 }).catch(() => undefined);
  await page.getByRole('button', { name: 'Compact' }).click();
  const heading = page.getByRole('heading', { name: 'Event History' });
  await heading.waitFor();
  await page.getByText('Summary', { exact: true }).first().waitFor({ timeout: 15_000 }).catch(() => undefined);
  await heading.evaluate((h) => h.scrollIntoView());
  await page.mouse.move(0, 0);
  await page.screenshot({ path: historyOut });
  const summaries = await page.locator('text=Summary >> xpath=following-sibling::*[1]').allInnerTexts();

  console.log(`${paymentId} in the Temporal Web UI (${run})`);
  for (const [name, text] of Object.entries(metadata)) console.log(`  ${name.padEnd(16)} ${text ? text.split('\n').join('\n' + ' '.repeat(19)) : '(empty)'}`);
  console.log(`  history summaries ${summaries.length ? summaries.join(' | ') : '(none shown)'}`);
  console.log(`saved ${out}\n      ${historyOut}`);
} catch (err) {
  if (!(err instanceof Failed)) throw err;
  console.error(err.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
