/*
 * The README's construct examples: each file of docs/examples/ is compiled and run, and the README shows
 * its code (between `// README start` and `// README end`) and the YAML it writes. `npm run docs` refreshes
 * the blocks between `<!-- example:<name> start -->` and `<!-- example:<name> end -->`;
 * test/readme-examples.test.ts fails when one is stale.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Environment, renderApp, stringifyYaml } from '../../lib';

/** One example: the code that builds it and which objects of its output the README shows. */
export interface ReadmeExample {
  /** Builds the example in an environment named `dev`. */
  readonly example: (env: Environment) => void;
  /** The objects worth showing. @default - every object the example adds */
  readonly show?: (manifest: Record<string, any>) => boolean;
}

/** The examples, by file name (also their marker name), in README order. */
export const EXAMPLES = [
  'metallb-l2-pool', 'node-port-app', 'ingress-routes', 'autoscaled-app', 'node-daemon', 'nfs-storage', 'ordered-stateful-set',
] as const;

/** Name the package is installed under: what the README's imports say instead of `../../lib`. */
const PACKAGE = 'onprem-k8s-constructs';

/** The repository root, from the sources (docs/examples) or the compiled files (build/docs/examples). */
function root(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no package.json above ${__dirname}`);
  }
}

/** The objects an example writes beyond those of an empty environment, in output order, with their files. */
export function exampleOutput(name: string): Array<{ file: string; manifest: Record<string, any> }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod: ReadmeExample = require(`./${name}`);
  const render = (build?: (env: Environment) => void) => {
    const app = new App();
    const env = new Environment(app, 'dev', { name: 'dev' });
    build?.(env);
    return renderApp(app).flatMap((f) => f.objects.map((o) => ({ file: `dist/${f.file}`, manifest: o.manifest })));
  };
  const empty = new Set(render().map((o) => JSON.stringify(o.manifest)));
  return render(mod.example).filter((o) => !empty.has(JSON.stringify(o.manifest)) && (mod.show ?? (() => true))(o.manifest));
}

/** The Markdown block of one example: its code with the package's import, and the YAML it writes. */
export function exampleBlock(name: string): string {
  const source = fs.readFileSync(path.join(root(), 'docs', 'examples', `${name}.ts`), 'utf8');
  const body = /\/\/ README start\n([\s\S]*?)\n\s*\/\/ README end/.exec(source);
  const imports = /^import \{ ([^}]+) \} from '\.\.\/\.\.\/lib';$/m.exec(source);
  if (!body || !imports) throw new Error(`docs/examples/${name}.ts needs one import from '../../lib' and a "// README start" … "// README end" block`);
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

/** The README with every example block replaced by a fresh one; a missing marker pair is an error. */
export function refreshReadme(readme: string): string {
  let text = readme;
  for (const name of EXAMPLES) {
    const start = `<!-- example:${name} start -->`;
    const end = `<!-- example:${name} end -->`;
    const from = text.indexOf(start);
    const to = text.indexOf(end);
    if (from < 0 || to < from) throw new Error(`README has no "${start}" … "${end}" block`);
    text = text.slice(0, from) + exampleBlock(name) + text.slice(to + end.length);
  }
  return text;
}

if (require.main === module) {
  const file = process.argv[2] ?? 'README.md';
  const before = fs.readFileSync(file, 'utf8');
  const after = refreshReadme(before);
  if (after !== before) fs.writeFileSync(file, after);
  process.stdout.write(`${file}: ${EXAMPLES.length} examples ${after === before ? 'already current' : 'refreshed'}\n`);
}
