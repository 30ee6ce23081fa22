#!/usr/bin/env node
/**
 * `npm run import`: regenerates imports/ from the CRDs listed under `imports:` in cdk8s.yaml.
 *
 * Each entry is `<module>:=<upstream release URL>`. With no internet, the CRD is taken from the local
 * copy of that release in ../shared/crds/ (same file, upstream `<group>_<plural>.yaml` stored as
 * `<plural>.<group>.yaml`); pass --online to let cdk8s fetch the URL instead. For each CRD this writes
 *   imports/<module>-<group>.ts            what `cdk8s import` generates (typed classes)
 *   imports/schemas/<group>_<Kind>_<version>.json   the openAPIV3Schema of each served version
 *   imports/crd-schemas.ts                 the list of those schemas, for the synth's schema check
 * The CRD files themselves are never copied into the repository.
 *
 * Nothing in imports/ changes until everything is generated: every source is found (or the run stops,
 * saying what to do), the new imports/ is written into a temporary folder beside it and then swapped in.
 */
const { execFileSync } = require('child_process');
const fs = require('fs');
const path = require('path');
const YAML = require('yaml');
const { readArgs } = require('./cli-args');

const USAGE = `usage: node scripts/import-crds.js [options]    (npm run import -- [options])

Regenerates imports/ (typed classes and the schemas of the synth's check) from the CRDs listed under
\`imports:\` in cdk8s.yaml. Offline (the default) each CRD is read from the identical copy of its release
under ../shared/crds/. imports/ changes only when every CRD was found and generated.

options:
  --crds=<dir>   where the local copies are (default: ../shared/crds)
  --online       let cdk8s fetch each release URL instead (needs the internet)
  -h, --help     print this help

exit codes:
  0  imports/ regenerated
  1  a CRD is missing or did not generate: what to do on stderr; imports/ is as it was
  2  bad command line: nothing done
`;
const args = readArgs(process.argv.slice(2), USAGE, { flags: ['--online'], options: ['--crds'] });
const root = path.resolve(__dirname, '..');
const online = args.flags.has('--online');
const crdsDir = path.resolve(root, args.options['--crds'] ?? '../shared/crds');
const config = YAML.parse(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8'));
const outDir = path.join(root, 'imports');
const shown = (p) => path.relative(process.cwd(), p) || '.';

/** Stops before anything changed: the problems, and that imports/ is as it was. */
function refuse(problems) {
  process.stderr.write(`npm run import changed nothing (imports/ is as it was):\n  - ${problems.join('\n  - ')}\n`);
  process.exit(1);
}

/** The local copy of a release URL, or why there is none. */
function findLocal(url) {
  const base = path.basename(new URL(url).pathname);
  // `<group>_<plural>.yaml` (controller-gen) is stored as `<plural>.<group>.yaml`; Argo CD's
  // `<singular>-crd.yaml` as `<singular>s.<group>.yaml`.
  const m = /^(.+)_([a-z0-9]+)\.yaml$/.exec(base);
  const argo = /^([a-z0-9]+)-crd\.yaml$/.exec(base);
  const wanted = m ? `${m[2]}.${m[1]}.yaml` : argo ? `${argo[1]}s.argoproj.io.yaml` : base;
  for (const dir of fs.readdirSync(crdsDir, { withFileTypes: true })) {
    const candidate = path.join(crdsDir, dir.name, wanted);
    if (dir.isDirectory() && fs.existsSync(candidate)) return { source: candidate };
  }
  return { problem: `no local copy of ${url} (looked for ${wanted} in the folders of ${shown(crdsDir)}): put that release's file there, or run \`npm run import -- --online\`` };
}

/** Sorts object keys so the generated JSON is byte-stable. */
function sorted(v) {
  if (Array.isArray(v)) return v.map(sorted);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])]));
  return v;
}

// 1. Every source is found before anything is written.
const imports = (config.imports ?? []).map((spec) => {
  const [name, url] = spec.split(':=');
  return { name, url };
});
if (!online) {
  if (!fs.existsSync(crdsDir) || !fs.statSync(crdsDir).isDirectory()) {
    refuse([`${shown(crdsDir)} does not exist: it holds the local copies of the CRD releases (the folder \`shared/crds\` beside this repository); ` +
      'put it there, point at it with `npm run import -- --crds=<dir>`, or fetch the releases with `npm run import -- --online`']);
  }
  const found = imports.map((i) => ({ ...i, ...findLocal(i.url) }));
  const missing = found.filter((f) => f.problem).map((f) => f.problem);
  if (missing.length > 0) refuse(missing);
  imports.splice(0, imports.length, ...found);
}

// 2. The new imports/ is generated into a temporary folder beside it, then swapped in.
// `cdk8s import` rewrites cdk8s.yaml (dropping its comments): keep ours as it is.
const configText = fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf8');
const next = fs.mkdtempSync(path.join(root, '.imports-new-'));
process.on('exit', () => {
  fs.writeFileSync(path.join(root, 'cdk8s.yaml'), configText);
  fs.rmSync(next, { recursive: true, force: true });
});
const schemaDir = path.join(next, 'schemas');
fs.mkdirSync(schemaDir, { recursive: true });
const entries = [];
try {
  for (const { name, url, source = url } of imports) {
    execFileSync(process.execPath, [path.join(root, 'node_modules/cdk8s-cli/bin/cdk8s'), 'import', '--no-check-upgrade', '-o', next, `${name}:=${source}`],
      { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
    const text = online ? execFileSync('curl', ['-sfL', url], { encoding: 'utf8' }) : fs.readFileSync(source, 'utf8');
    for (const crd of YAML.parseAllDocuments(text).map((d) => d.toJS()).filter((d) => d && d.kind === 'CustomResourceDefinition')) {
      for (const version of crd.spec.versions.filter((v) => v.served)) {
        const file = `${crd.spec.group}_${crd.spec.names.kind}_${version.name}.json`;
        fs.writeFileSync(path.join(schemaDir, file), `${JSON.stringify(sorted(version.schema.openAPIV3Schema))}\n`);
        entries.push({ apiVersion: `${crd.spec.group}/${version.name}`, kind: crd.spec.names.kind, file, source: url });
      }
    }
  }
} catch (e) {
  refuse([`generating failed: ${e.message.split('\n')[0]}`]);
}
entries.sort((a, b) => (a.file < b.file ? -1 : 1));
const lines = [
  '// generated by scripts/import-crds.js (npm run import) from the CRDs listed in cdk8s.yaml; do not edit',
  '/* eslint-disable */',
  ...entries.map((e, i) => `import schema${i} from './schemas/${e.file}';`),
  '',
  '/** The OpenAPI schema of every served version of every imported CRD. */',
  'export const CRD_SCHEMAS: ReadonlyArray<{ apiVersion: string; kind: string; source: string; schema: object }> = [',
  ...entries.map((e, i) => `  { apiVersion: '${e.apiVersion}', kind: '${e.kind}', source: '${e.source}', schema: schema${i} },`),
  '];',
  '',
];
fs.writeFileSync(path.join(next, 'crd-schemas.ts'), lines.join('\n'));
const old = `${next.replace('.imports-new-', '.imports-old-')}`;
if (fs.existsSync(outDir)) fs.renameSync(outDir, old);
try {
  fs.renameSync(next, outDir);
} catch (e) {
  if (fs.existsSync(old)) fs.renameSync(old, outDir);
  refuse([`the new imports/ could not be moved into place (${e.message})`]);
}
fs.rmSync(old, { recursive: true, force: true });
console.log(`imported ${entries.length} CRD versions into imports/`);
