#!/usr/bin/env node
/**
 * `npm run platform:fetch`: copies every file pinned in platform.lock.json into .platform-cache/<folder>/
 * and verifies its sha256 before keeping it.
 *
 * Source: the identical copies in ../shared/platform/<folder>/ beside the repository (or --from=<dir>).
 * This script does not download: the published upstream archives differ from the pinned files (most are
 * `helm package` builds at the release tag, see each SOURCE.md), so a download could not match the lock.
 *
 * Every file is first written under a temporary name in the cache and hashed; only when every file of
 * the run matches its digest are they renamed into place. A mismatch removes the temporary files, leaves
 * the cache as it was and exits 1 naming the file, the expected and the actual digest. A missing source
 * changes nothing and says where the file comes from. A file already cached with the right digest is kept
 * as it is, so a second run changes nothing.
 *
 * Options: --from=<dir> (default ../shared/platform), --cache=<dir> (default .platform-cache).
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { readArgs } = require('./cli-args');

const USAGE = `usage: node scripts/platform-fetch.js [options]    (npm run platform:fetch -- [options])

Copies every file pinned in platform.lock.json from a local copy into the cache, verifying each sha256
before any is kept. Never downloads.

options:
  --from=<dir>     where the pinned files are (default: ../shared/platform)
  --cache=<dir>    the cache to fill (default: .platform-cache)
  -h, --help       print this help

exit codes:
  0  every file is in the cache with its pinned digest
  1  a file is missing or its digest does not match: the cache is as it was
  2  bad command line: nothing done
`;
const args = readArgs(process.argv.slice(2), USAGE, { options: ['--from', '--cache'] });
const root = path.resolve(__dirname, '..');
const from = path.resolve(root, args.options['--from'] ?? '../shared/platform');
const cache = path.resolve(root, args.options['--cache'] ?? '.platform-cache');
const lock = JSON.parse(fs.readFileSync(path.join(root, 'platform.lock.json'), 'utf8'));
const shown = (p) => path.relative(process.cwd(), p) || '.';

const sha256 = (file) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const cachedOk = (file, digest) => fs.existsSync(file) && sha256(file) === digest;

const wanted = lock.components.flatMap((c) => c.files.map((f) => ({
  component: c,
  rel: `${c.folder}/${f.name}`,
  digest: f.sha256,
  source: path.join(from, c.folder, f.name),
  target: path.join(cache, c.folder, f.name),
})));

// 1. Every source must be there before anything is written.
const missing = wanted.filter((w) => !cachedOk(w.target, w.digest) && !fs.existsSync(w.source));
if (missing.length > 0) {
  process.stderr.write(`platform:fetch: ${missing.length} pinned file(s) are missing from ${shown(from)}; nothing was changed.\n`);
  for (const w of missing) {
    const u = w.component.upstream;
    process.stderr.write(`  ${shown(w.source)}: expected sha256 ${w.digest}; it comes from ${u.repository} at ${u.tag} (${u.commit}), ${u.path} (${u.produced})\n`);
  }
  process.stderr.write('Put the identical files there (the shared folder ../shared/platform/ beside the repository holds them all),\n'
    + 'or pass --from=<folder holding <component>/<file>>; then run `npm run platform:fetch` again.\n');
  process.exit(1);
}

// 2. Stage and verify every file that is not cached yet, under a temporary name.
const staged = [];
const bad = [];
const cleanup = () => staged.forEach((s) => fs.rmSync(s.temp, { force: true }));
try {
  for (const w of wanted) {
    if (cachedOk(w.target, w.digest)) {
      process.stdout.write(`cached   ${w.rel}\n`);
      continue;
    }
    fs.mkdirSync(path.dirname(w.target), { recursive: true });
    const temp = path.join(path.dirname(w.target), `.${path.basename(w.target)}.tmp-${process.pid}`);
    staged.push({ ...w, temp });
    fs.copyFileSync(w.source, temp);
    const actual = sha256(temp);
    if (actual !== w.digest) bad.push({ ...w, actual });
  }
} catch (e) {
  cleanup();
  process.stderr.write(`platform:fetch: ${e.message}; the cache is unchanged.\n`);
  process.exit(1);
}
if (bad.length > 0) {
  cleanup();
  for (const b of bad) process.stderr.write(`platform:fetch: ${shown(b.source)}: sha256 mismatch: expected ${b.digest}, got ${b.actual}\n`);
  process.stderr.write(`Refused: the cache (${shown(cache)}) is unchanged. Restore the file from its upstream tag (see its SOURCE.md), or update platform.lock.json only on purpose.\n`);
  process.exit(1);
}

// 3. Every file verified: move them into place.
for (const s of staged) {
  fs.renameSync(s.temp, s.target);
  process.stdout.write(`verified ${s.rel} sha256 ${s.digest}\n`);
}
process.stdout.write(`platform:fetch: ${wanted.length} files in ${shown(cache)} match platform.lock.json (${staged.length} copied)\n`);
