#!/usr/bin/env node
/*
 * The consumer example (examples/consumer) installs this library the way another team would: from the
 * packed tarball, with `npm ci`, offline (every other package comes from the npm cache that this
 * repository's own `npm ci` filled).
 *
 *   node scripts/consumer-example.js check [folder]  pack (no rebuild: run `npm run build` first), copy the
 *                                                    example into a new folder, npm ci --offline, compile,
 *                                                    run its checks (build/check.js), synthesize; prints the folder
 *   node scripts/consumer-example.js lock            regenerate examples/consumer/package-lock.json after
 *                                                    the library's dependencies or the example's change
 *
 * The example's lockfile pins every package but the tarball's content: its entry has no `integrity`, since
 * the tarball changes with every library change (with one, npm would install a cached older copy, or
 * refuse a newer one).
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');
const { readArgs } = require('./cli-args');

const ROOT = path.resolve(__dirname, '..');
const EXAMPLE = path.join(ROOT, 'examples', 'consumer');
const PACKAGE = require(path.join(ROOT, 'package.json')).name;
const TARBALL = path.join('vendor', `${PACKAGE}.tgz`);
const QUIET = ['--no-audit', '--no-fund', '--ignore-scripts'];

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed with ${r.status ?? r.signal}:\n${r.stdout}\n${r.stderr}`);
  }
  return r.stdout;
}

/** Packs the built library (build/ must be current) and puts the tarball at `<folder>/vendor/`. */
function pack(folder) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pack-'));
  try {
    const [info] = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], ROOT));
    fs.mkdirSync(path.join(folder, 'vendor'), { recursive: true });
    fs.copyFileSync(path.join(tmp, info.filename), path.join(folder, TARBALL));
    return info;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function check(folder) {
  fs.mkdirSync(folder, { recursive: true });
  const skip = new Set(['node_modules', 'build', 'dist', 'vendor']);
  fs.cpSync(EXAMPLE, folder, { recursive: true, filter: (src) => !skip.has(path.basename(src)) || path.dirname(src) !== EXAMPLE });
  const info = pack(folder);
  run('npm', ['ci', '--offline', ...QUIET], folder);
  run(process.execPath, [path.join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], folder);
  // The example's own checks with onprem-k8s-constructs/testing (in memory; any failure exits 1).
  run(process.execPath, [path.join('build', 'check.js')], folder);
  const synth = run(process.execPath, [path.join('build', 'main.js')], folder);
  return { folder, files: info.files.map((f) => f.path), synth };
}

function lock() {
  pack(EXAMPLE);
  const file = path.join(EXAMPLE, 'package-lock.json');
  // npm keeps a locked tarball entry as it is: give it the library's current dependencies, and lock any new
  // one (with what it needs) as our own lockfile has it, so the example installs offline from our npm cache.
  const previous = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
  const entry = previous?.packages?.[`node_modules/${PACKAGE}`];
  if (entry) {
    const ours = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')).packages;
    entry.dependencies = ours[''].dependencies;
    const wanted = Object.keys(entry.dependencies);
    while (wanted.length > 0) {
      const key = `node_modules/${wanted.pop()}`;
      if (previous.packages[key] || !ours[key]) continue;
      previous.packages[key] = ours[key];
      wanted.push(...Object.keys(ours[key].dependencies ?? {}));
    }
    previous.packages = Object.fromEntries(Object.entries(previous.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)));
    fs.writeFileSync(file, `${JSON.stringify(previous, null, 2)}\n`);
  }
  run('npm', ['install', '--package-lock-only', '--offline', ...QUIET], EXAMPLE);
  const lockfile = JSON.parse(fs.readFileSync(file, 'utf8'));
  delete lockfile.packages[`node_modules/${PACKAGE}`].integrity;
  fs.writeFileSync(file, `${JSON.stringify(lockfile, null, 2)}\n`);
  fs.rmSync(path.join(EXAMPLE, 'vendor'), { recursive: true, force: true });
}

const USAGE = `usage: node scripts/consumer-example.js check [folder]    (npm run example)
       node scripts/consumer-example.js lock              (npm run example:lock)

  check [folder]   pack the built library (run \`npm run build\` first), copy examples/consumer into
                   [folder] (default: a temporary folder, removed afterwards), npm ci --offline, compile
                   it, run its checks (build/check.js) and synthesize it
  lock             regenerate examples/consumer/package-lock.json
  -h, --help       print this help

exit codes:
  0  done
  1  a step failed: its command and output on stderr
  2  bad command line: nothing done
`;

if (require.main === module) {
  const { positionals: [mode, folder] } = readArgs(process.argv.slice(2), USAGE, { positionals: 2 });
  try {
    if (mode === 'check') {
      // A folder given is kept for a look; the temporary one is removed, passed or failed.
      const temp = folder ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'consumer-'));
      try {
        const r = check(folder ?? temp);
        process.stdout.write(`${r.synth}installed ${PACKAGE} from its tarball (${r.files.length} files) and synthesized in ${temp ? 'a temporary folder (removed)' : r.folder}\n`);
      } finally {
        if (temp) fs.rmSync(temp, { recursive: true, force: true });
      }
    } else if (mode === 'lock') {
      lock();
      process.stdout.write('examples/consumer/package-lock.json regenerated\n');
    } else {
      process.stderr.write(`${mode === undefined ? 'check or lock?' : `unknown command "${mode}"`}; nothing was done.\n\n${USAGE}`);
      process.exitCode = 2;
    }
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 1;
  }
}

module.exports = { check, lock, TARBALL };
