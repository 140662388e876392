#!/usr/bin/env node
// Browser tests drive Debian's Chromium (never a downloaded browser). This installs it when it
// is missing, idempotently: nothing happens when /usr/bin/chromium is there. Needs root, or
// sudo without a password; otherwise it says what to run and fails.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function ensureChromium() {
  if (existsSync(CHROMIUM)) return true;
  const root = process.getuid?.() === 0;
  const prefix = root ? [] : ['sudo', '-n'];
  const apt = (args) => {
    const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
    console.log(`Installing Chromium for the browser tests: ${[cmd, ...rest].join(' ')}`);
    return spawnSync(cmd, rest, { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).status === 0;
  };
  // A fresh machine may have no package lists yet: install, and if that fails, update and retry.
  const ok =
    apt(['install', '-y', '--no-install-recommends', 'chromium']) || (apt(['update']) && apt(['install', '-y', '--no-install-recommends', 'chromium']));
  if (!ok || !existsSync(CHROMIUM)) {
    console.error(`Chromium is missing at ${CHROMIUM} and could not be installed. Run as root: apt-get install -y chromium`);
    return false;
  }
  return true;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exit(ensureChromium() ? 0 : 1);
