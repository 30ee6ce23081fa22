/**
 * `npm run synth` and `npm run map`: compiles the TypeScript with `tsc -b tsconfig.app.json` when a source may
 * have changed since the last build, then runs the synth (build/main.js) in this same process.
 *
 * Starting TypeScript only to hear that nothing changed costs about half a second, a third of a whole synth,
 * so the build is skipped when {@link buildState} finds the last build clean and newer than every input. It
 * asks at least what `tsc -b` asks (TypeScript's tsbuildinfo up-to-date check: root files and configs against
 * the build info), and more: every other file of the program outside node_modules (a JSON file a source
 * imports) and the installed packages, whose change forces the build (`--force`: tsc -b would neither emit the
 * JSON file again nor check the sources against the package's new types). A file no source reads (a README
 * beside them) is not looked at. Whenever it cannot tell, it builds.
 *
 *   node scripts/synth.js [synth options]       node scripts/synth.js --map [map options]
 */
const { spawnSync } = require('child_process');
const fs = require('fs');
const path = require('path');

const ROOT = path.dirname(__dirname);
const CONFIG = 'tsconfig.app.json';
/** The keys of the build info of a clean build; TypeScript adds others (errors, pending emit or checks) otherwise. */
const CLEAN_KEYS = new Set(['fileNames', 'fileIdsList', 'fileInfos', 'root', 'options', 'referencedMap', 'version']);

/**
 * Whether the compiled build in `root` is that of the current sources: `{ upToDate: true }`, or
 * `{ upToDate: false, why }` when `tsc -b` must run (no build yet, a build with errors, a TypeScript of
 * another version, a config, source or package newer than the build, a source added or removed, an
 * include pattern this check does not read), with `force: true` when it must rebuild everything (the
 * installed packages or a JSON file of the program newer than the build).
 */
function buildState(root = ROOT, config = CONFIG) {
  const configFile = path.join(root, config);
  let app;
  try {
    app = JSON.parse(fs.readFileSync(configFile, 'utf8'));
  } catch {
    return { upToDate: false, why: `${config} is not plain JSON` };
  }
  const configs = [configFile];
  let base = {};
  if (app.extends !== undefined) {
    if (typeof app.extends !== 'string' || !app.extends.startsWith('.')) return { upToDate: false, why: `${config} extends "${app.extends}"` };
    configs.push(path.resolve(root, app.extends));
    try {
      base = JSON.parse(fs.readFileSync(configs[1], 'utf8'));
    } catch {
      return { upToDate: false, why: `${app.extends} is not plain JSON` };
    }
    if (base.extends !== undefined || base.references !== undefined) return { upToDate: false, why: `${app.extends} extends or references another config` };
  }
  if (app.references !== undefined || app.files !== undefined) return { upToDate: false, why: `${config} has references or files` };
  const options = { ...base.compilerOptions, ...app.compilerOptions };
  if (typeof options.tsBuildInfoFile !== 'string') return { upToDate: false, why: `${config} names no tsBuildInfoFile` };
  const infoFile = path.resolve(root, options.tsBuildInfoFile);
  let info;
  let built;
  try {
    built = fs.statSync(infoFile).mtimeMs;
    info = JSON.parse(fs.readFileSync(infoFile, 'utf8'));
  } catch {
    return { upToDate: false, why: 'nothing is built yet' };
  }
  const extra = Object.keys(info).filter((k) => !CLEAN_KEYS.has(k));
  if (extra.length > 0) return { upToDate: false, why: `the last build was not clean (${extra.join(', ')})` };
  let typescript;
  try {
    typescript = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', { paths: [root] }), 'utf8')).version;
  } catch {
    return { upToDate: false, why: 'TypeScript is not installed' };
  }
  if (info.version !== typescript) return { upToDate: false, why: `the last build was made by TypeScript ${info.version}, ${typescript} is installed` };

  const include = app.include ?? base.include;
  const exclude = new Set((app.exclude ?? base.exclude ?? ['node_modules']).map((e) => path.resolve(root, e)));
  exclude.add(path.resolve(root, 'node_modules'));
  if (options.outDir) exclude.add(path.resolve(root, options.outDir));
  if (!Array.isArray(include)) return { upToDate: false, why: `${config} has no include list` };
  const sources = new Set();
  for (const pattern of include) {
    const folder = /^([\w.-]+(?:\/[\w.-]+)*)\/\*\*\/\*\.ts$/.exec(pattern);
    if (folder) {
      walk(path.resolve(root, folder[1]), exclude, (file, dotted) => {
        // TypeScript's wildcards skip names that start with a dot: such a file is no source.
        if (file.endsWith('.ts') && !dotted) sources.add(file);
      });
    } else if (/^[\w.-]+(?:\/[\w.-]+)*\.ts$/.test(pattern) && !pattern.includes('*')) {
      const file = path.resolve(root, pattern);
      if (fs.existsSync(file)) sources.add(file);
    } else {
      return { upToDate: false, why: `${config} includes "${pattern}"` };
    }
  }
  const infoDir = path.dirname(infoFile);
  const builtRoots = new Set();
  for (const r of info.root ?? []) {
    const [first, last] = Array.isArray(r) ? r : [r, r];
    for (let i = first; i <= last; i++) builtRoots.add(path.resolve(infoDir, info.fileNames[i - 1]));
  }
  const added = [...sources].filter((f) => !builtRoots.has(f));
  const removed = [...builtRoots].filter((f) => !sources.has(f));
  if (added.length > 0 || removed.length > 0) {
    return { upToDate: false, why: `sources were ${added.length > 0 ? `added (${path.relative(root, added[0])})` : `removed (${path.relative(root, removed[0])})`}` };
  }
  // What the build read besides its configs: the sources and every other file of its program outside
  // node_modules (a JSON file a source imports); a file no source reads (a README beside them) cannot change it.
  // npm writes node_modules/.package-lock.json on every install: a changed package may change the types.
  const program = info.fileNames.map((f) => path.resolve(infoDir, f)).filter((f) => !f.split(path.sep).includes('node_modules'));
  const installed = path.join(root, 'node_modules', '.package-lock.json');
  const inputs = new Set([...configs, ...sources, ...program]);
  if (fs.existsSync(installed)) inputs.add(installed);
  // tsc -b compares only the root files with its build info: a package's types, or a JSON file a source imports
  // (emitted into the build), changed alone, would be neither checked again nor emitted again. Such a change
  // forces the build.
  const force = new Set([...program.filter((f) => !sources.has(f)), installed]);
  let changed;
  for (const file of inputs) {
    let time;
    try {
      time = fs.statSync(file).mtimeMs;
    } catch {
      return { upToDate: false, why: `${path.relative(root, file)} cannot be read` };
    }
    if (time <= built) continue;
    changed ??= { upToDate: false, why: `${path.relative(root, file)} changed after the last build` };
    if (force.has(file)) return { ...changed, force: true };
  }
  return changed ?? { upToDate: true };
}

/**
 * Calls `visit` with every file under `dir` (and whether its name or a folder's below `dir` starts with a dot),
 * except in the `exclude` folders and folders named node_modules, and symlinks to nothing (an editor's lock
 * file), which TypeScript cannot read either.
 */
function walk(dir, exclude, visit, dotted = false) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) {
    const file = path.join(dir, e.name);
    const dot = dotted || e.name.startsWith('.');
    if (e.isDirectory()) {
      if (e.name !== 'node_modules' && !exclude.has(file)) walk(file, exclude, visit, dot);
    } else if (!e.isSymbolicLink() || fs.existsSync(file)) {
      visit(file, dot);
    }
  }
}

/**
 * Runs `tsc -b` in `root` (`--force` when {@link buildState} says so) unless the build is up to date; its
 * output goes to this process's (`stdio`). Returns its exit status (0 when nothing had to be built).
 */
function build(root = ROOT, config = CONFIG, stdio = 'inherit') {
  const state = buildState(root, config);
  if (state.upToDate) return 0;
  const tsc = spawnSync(process.execPath, [require.resolve('typescript/bin/tsc', { paths: [root] }), '-b', config, ...(state.force ? ['--force'] : [])], { cwd: root, stdio });
  return tsc.status ?? 1;
}

if (require.main === module) {
  const status = build();
  if (status !== 0) process.exit(status);
  require(path.join(ROOT, 'build', 'main.js')).main();
}

module.exports = { build, buildState };
