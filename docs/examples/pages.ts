/*
 * The generated parts of the documentation pages (docs/*.md), so that they cannot drift from the code:
 * - construct examples: each file of docs/examples/ is compiled and run, and a page shows its code (between
 *   `// docs start` and `// docs end`) and the YAML it writes, between `<!-- example:<name> start -->` and
 *   `<!-- example:<name> end -->`;
 * - field tables: the fields of an exported interface, with their types, defaults and JSDoc, between
 *   `<!-- fields:<Interface> start -->` and `<!-- fields:<Interface> end -->` (read with the TypeScript compiler).
 * `npm run docs` refreshes both (`node build/docs/examples/pages.js docs/*.md`); test/docs-examples.test.ts fails
 * when an example block is stale, test/e2e/docs-fields.test.ts when a field table is.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Environment, renderApp, stringifyYaml } from '../../lib';

/** One example: the code that builds it and which objects of its output the pages show. */
export interface DocsExample {
  /** Builds the example in an environment named `dev`. @default - `exampleApp` is given instead */
  readonly example?: (env: Environment) => void;
  /** Builds the example in an empty App (it makes its own Environment): all it writes is shown. @default - `example` is given instead */
  readonly exampleApp?: (app: App) => void;
  /** The objects worth showing. @default - every object the example adds */
  readonly show?: (manifest: Record<string, any>) => boolean;
}

/** The examples, by file name (also their marker name). Each is shown on exactly one page. */
export const EXAMPLES = [
  'metallb-l2-pool', 'node-port-app', 'ingress-routes', 'autoscaled-app', 'node-daemon', 'nfs-storage', 'ordered-stateful-set',
  'environment-defaults',
] as const;

/** Name the package is installed under: what the pages' imports say instead of `../../lib`. */
const PACKAGE = 'onprem-k8s-constructs';

/** The repository root, from the sources (docs/examples) or the compiled files (build/docs/examples). */
export function root(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** The documentation pages the generated blocks may live in: README.md and docs/*.md. */
export function docPages(): string[] {
  const docs = fs.readdirSync(path.join(root(), 'docs')).filter((f) => f.endsWith('.md')).sort().map((f) => path.join('docs', f));
  return ['README.md', ...docs];
}

/** The objects an example writes (beyond those of an empty environment, unless it builds its own), in output order, with their files. */
export function exampleOutput(name: string): Array<{ file: string; manifest: Record<string, any> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: DocsExample = require(`./${name}`);
  const render = (build?: (app: App) => void) => {
    const app = new App();
    build?.(app);
    return renderApp(app).flatMap((f) => f.objects.map((o) => ({ file: `dist/${f.file}`, manifest: o.manifest })));
  };
  const inDev = (build?: (env: Environment) => void) => (app: App) => build?.(new Environment(app, 'dev', { name: 'dev' }));
  const empty = new Set(mod.exampleApp ? [] : render(inDev()).map((o) => JSON.stringify(o.manifest)));
  const output = mod.exampleApp ? render(mod.exampleApp) : render(inDev(mod.example));
  return output.filter((o) => !empty.has(JSON.stringify(o.manifest)) && (mod.show ?? (() => true))(o.manifest));
}

/** The Markdown block of one example: its code with the package's import, and the YAML it writes. */
export function exampleBlock(name: string): string {
  const source = fs.readFileSync(path.join(root(), 'docs', 'examples', `${name}.ts`), 'utf8');
  const body = /\/\/ docs start\n([\s\S]*?)\n\s*\/\/ docs end/.exec(source);
  const imports = /^import \{ ([^}]+) \} from '\.\.\/\.\.\/lib';$/m.exec(source);
  if (!body || !imports) throw new Error(`docs/examples/${name}.ts needs one import from '../../lib' and a "// docs start" … "// docs end" block`);
  const lines = body[1].split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  const code = [`import { ${imports[1]} } from '${PACKAGE}';`, '', ...lines.map((l) => l.slice(indent))].join('\n');
  const output = exampleOutput(name);
  const files = [...new Set(output.map((o) => o.file))].join(', ');
  return [
    `<!-- example:${name} start -->`,
    '```ts',
    code,
    '```',
    '',
    `<details><summary>What it writes (${files}; generated from docs/examples/${name}.ts)</summary>`,
    '',
    '```yaml',
    stringifyYaml(...output.map((o) => o.manifest)).trimEnd(),
    '```',
    '',
    '</details>',
    `<!-- example:${name} end -->`,
  ].join('\n');
}

/** Every `<!-- <kind>:<name> start -->` … `<!-- <kind>:<name> end -->` block of a text, by name. */
export function blocks(text: string, kind: string): string[] {
  return [...text.matchAll(new RegExp(`<!-- ${kind}:([\\w.-]+) start -->`, 'g'))].map((m) => m[1]);
}

/** The text with each block of `kind` replaced by `make(name)`; an unclosed block is an error. */
export function replaceBlocks(text: string, kind: string, make: (name: string) => string): string {
  let out = text;
  for (const name of blocks(text, kind)) {
    const start = `<!-- ${kind}:${name} start -->`;
    const end = `<!-- ${kind}:${name} end -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end, from);
    if (to < 0) throw new Error(`"${start}" has no "${end}"`);
    out = out.slice(0, from) + make(name) + out.slice(to + end.length);
  }
  return out;
}

/** A page with every example block replaced by a fresh one. */
export function refreshExamples(text: string): string {
  return replaceBlocks(text, 'example', (name) => {
    if (!(EXAMPLES as readonly string[]).includes(name)) throw new Error(`no example "${name}" (known: ${EXAMPLES.join(', ')})`);
    return exampleBlock(name);
  });
}

/** A page with every field table replaced by a fresh one (`fieldTable` reads the sources: slow, a few seconds). */
export function refreshFields(text: string): string {
  if (blocks(text, 'fields').length === 0) return text;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { fieldTable } = require('./fields') as typeof import('./fields');
  return replaceBlocks(text, 'fields', (name) => [`<!-- fields:${name} start -->`, fieldTable(name), `<!-- fields:${name} end -->`].join('\n'));
}

if (require.main === module) {
  const files = process.argv.length > 2 ? process.argv.slice(2) : docPages();
  for (const file of files) {
    const before = fs.readFileSync(file, 'utf8');
    const after = refreshFields(refreshExamples(before));
    if (after !== before) fs.writeFileSync(file, after);
    const n = blocks(before, 'example').length + blocks(before, 'fields').length;
    if (n > 0) process.stdout.write(`${file}: ${n} generated blocks ${after === before ? 'already current' : 'refreshed'}\n`);
  }
}
