// Runs before the client's tests: the browser-bundle test drives Debian's Chromium
// (/usr/bin/chromium). On a machine without it, where this runs as root with apt-get (as on the
// project's CI and development machines), it installs Debian's `chromium` package, so that
// `npm test` works on a fresh machine; elsewhere it stops with the command to run. It never
// skips the browser test.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import process from 'node:process';

const CHROMIUM = '/usr/bin/chromium';

function fail(message) {
  process.stderr.write(`ensure-chromium: ${message}\n`);
  process.exit(1);
}

if (!existsSync(CHROMIUM)) {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!root || !apt) {
    fail(
      `the browser test needs Debian's Chromium at ${CHROMIUM}; install it with ` +
        '`apt-get install chromium` (as root) and run the tests again',
    );
  }
  process.stdout.write(`ensure-chromium: ${CHROMIUM} is missing; installing Debian's chromium\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
  } catch (e) {
    fail(`apt-get could not install chromium (${e.message}); install it and run the tests again`);
  }
  if (!existsSync(CHROMIUM)) fail(`apt-get installed chromium, but ${CHROMIUM} is still missing`);
}
