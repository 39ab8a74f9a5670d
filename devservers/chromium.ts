// Headless Chromium for the browser test (test/cashier-browser.test.ts) and `npm run ui:screenshot`:
// Debian's `chromium` package driven by playwright-core, which never downloads a browser of its
// own. CHROMIUM_PATH points at another Chromium or Chrome binary. `npm test` installs the package
// when it is missing and it can (scripts/setup-servers.mjs --chromium, which looks it up the same way).
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** What a person runs to get the browser (scripts/setup-servers.mjs prints the same). */
export const CHROMIUM_INSTALL_COMMAND = 'sudo apt-get install -y chromium';

const executable = (file: string) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};

/** CHROMIUM_PATH when set, else `chromium` on the PATH (Debian: /usr/bin/chromium). */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CHROMIUM_PATH) {
    if (executable(env.CHROMIUM_PATH)) return env.CHROMIUM_PATH;
    throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
  }
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    if (executable(join(dir, 'chromium'))) return join(dir, 'chromium');
  }
  throw new Error(`chromium is not installed: run \`${CHROMIUM_INSTALL_COMMAND}\` (Debian's package), or set CHROMIUM_PATH to a Chromium or Chrome binary`);
}

/** A headless Chromium; close it when done. `--no-sandbox`: CI and containers run as root. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: ['--no-sandbox'] });
}
