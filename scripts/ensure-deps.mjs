// Installs what is missing so that `npm start` and `npm test` work on a fresh clone:
// - npm dependencies, when node_modules is missing or older than the lock file;
// - with --system (npm test): the Debian tools the tests use as independent references
//   (bgpdump, ssdeep, tlsh, lbzip2, bzip2), when they are missing and we may install them
//   (root with apt-get); otherwise it says what to install and the tests that need them fail
//   with the same message.
import { existsSync, statSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');
const stale = !existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs);
if (stale) {
  process.stderr.write('cairn: installing npm dependencies (npm ci)...\n');
  execSync(existsSync(lock) ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund', {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

if (process.argv.includes('--system')) {
  const tools = {
    bgpdump: 'bgpdump',
    ssdeep: 'ssdeep',
    tlsh: 'tlsh-tools',
    lbzip2: 'lbzip2',
    bzip2: 'bzip2',
  };
  const onPath = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status === 0;
  const missing = Object.entries(tools).filter(([tool]) => !onPath(tool));
  if (missing.length > 0) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    const canInstall = process.getuid?.() === 0 && onPath('apt-get');
    if (canInstall) {
      process.stderr.write(`cairn: installing ${packages.join(' ')} (apt-get)...\n`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      execSync('apt-get update -qq', { stdio: ['ignore', 'ignore', 'inherit'], env });
      execSync(`apt-get install -y -qq --no-install-recommends ${packages.join(' ')}`, {
        stdio: ['ignore', 'ignore', 'inherit'],
        env,
      });
    } else {
      process.stderr.write(
        `cairn: the tests compare against ${missing.map(([t]) => t).join(', ')}; install them first ` +
          `(Debian/Ubuntu: apt-get install ${packages.join(' ')})\n`,
      );
    }
  }
}
