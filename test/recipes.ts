/**
 * The recipes of docs/recipes.md as data, for the tests that check and perform them: test/recipes.test.ts
 * (every edit still applies to the current sources) and test/e2e/recipes.test.ts (each recipe, performed on a
 * copy of the repository, keeps the suite green).
 *
 * A recipe's steps are the page's fenced blocks whose info string names it, e.g.
 * ```` ```ts recipe=add-app file=environments/prod.ts after="import { appStack } from './app-stack';" ````:
 * - `file=<path> after="<line>"`: the block's lines go after the one line of the file that reads `<line>`
 *   (compared without surrounding spaces);
 * - `file=<path> before="<line>"`: the block's lines go before that line;
 * - `file=<path> replace="<line>"`: the block's lines replace that line;
 * - `file=<path> append`: the block goes at the end of the file;
 * - `file=<path> new`: the block is a new file;
 * - `sh run`: commands the reader runs (`npm run synth`, `npm test`);
 * - `text files`: the files that appear in dist/, one per line (`dist/<cluster>/<env>/...`);
 * - `sh guard` and `text guard`: a command that the destructive-change guard refuses, and what it lists.
 * GitHub shows only the language of the info string; the page's text says each anchor in words too.
 */
import * as fs from 'fs';
import * as path from 'path';

/** One fenced block of a recipe. */
export interface RecipeBlock {
  /** The recipe it belongs to (`add-app`). */
  readonly recipe: string;
  /** What it is: an edit (`after`, `before`, `replace`, `append`, `new`), commands (`run`, `guard`), expected text (`files`, `guard-output`). */
  readonly kind: 'after' | 'before' | 'replace' | 'append' | 'new' | 'run' | 'guard' | 'files' | 'guard-output';
  /** The file an edit changes, relative to the repository root. */
  readonly file?: string;
  /** The line an `after` or `replace` edit is anchored to. */
  readonly anchor?: string;
  /** The block's text, with its final newline. */
  readonly text: string;
  /** Line of the page where the block starts, for failure messages. */
  readonly line: number;
}

/** The kinds of block that edit a file. */
export const EDITS: ReadonlyArray<RecipeBlock['kind']> = ['after', 'before', 'replace', 'append', 'new'];

/** The page, relative to the repository root. */
export const RECIPES_PAGE = 'docs/recipes.md';

/** Every recipe block of a page's text, in page order. */
export function parseRecipes(markdown: string): RecipeBlock[] {
  const lines = markdown.split('\n');
  const blocks: RecipeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s+(.*\brecipe=.*)$/.exec(lines[i]);
    if (!open) continue;
    const attrs = new Map<string, string>();
    for (const m of open[2].matchAll(/([\w-]+)(?:=(?:"([^"]*)"|(\S+)))?/g)) attrs.set(m[1], m[2] ?? m[3] ?? '');
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`${RECIPES_PAGE}:${i + 1}: the block is not closed`);
    const text = lines.slice(i + 1, end).join('\n') + '\n';
    const kinds = (['after', 'before', 'replace', 'append', 'new', 'run', 'files'] as const).filter((k) => attrs.has(k));
    const guard = attrs.has('guard') ? (open[1] === 'sh' ? 'guard' : 'guard-output') : undefined;
    const kind = guard ?? kinds[0];
    if (!kind || kinds.length + (guard ? 1 : 0) !== 1) throw new Error(`${RECIPES_PAGE}:${i + 1}: a recipe block needs exactly one of after=, before=, replace=, append, new, run, files, guard`);
    const edit = EDITS.includes(kind);
    if (edit && !attrs.get('file')) throw new Error(`${RECIPES_PAGE}:${i + 1}: an edit needs file=<path>`);
    blocks.push({ recipe: attrs.get('recipe')!, kind, file: attrs.get('file'), anchor: attrs.get(kind), text, line: i + 1 });
    i = end;
  }
  return blocks;
}

/** The recipes of the page in the repository at `root`, by name, each with its blocks in page order. */
export function readRecipes(root: string): Map<string, RecipeBlock[]> {
  const byName = new Map<string, RecipeBlock[]>();
  for (const b of parseRecipes(fs.readFileSync(path.join(root, RECIPES_PAGE), 'utf8'))) byName.set(b.recipe, [...(byName.get(b.recipe) ?? []), b]);
  return byName;
}

/** Where an edit's anchor is in a file's text: the index of its one line; throws when it is not there exactly once. */
function anchorLine(lines: readonly string[], block: RecipeBlock): number {
  const at = lines.flatMap((l, i) => (l.trim() === block.anchor!.trim() ? [i] : []));
  if (at.length !== 1) throw new Error(`${RECIPES_PAGE}:${block.line}: ${block.file} has ${at.length} lines reading "${block.anchor}", not one`);
  return at[0];
}

/**
 * Applies one edit to a file's text (`undefined`: the file does not exist) and returns the new text; throws,
 * naming the page's line, when the edit no longer applies (anchor missing or not unique, new file present).
 */
export function applyEdit(before: string | undefined, block: RecipeBlock): string {
  if (block.kind === 'new') {
    if (before !== undefined) throw new Error(`${RECIPES_PAGE}:${block.line}: ${block.file} already exists`);
    return block.text;
  }
  if (before === undefined) throw new Error(`${RECIPES_PAGE}:${block.line}: ${block.file} does not exist`);
  if (block.kind === 'append') return `${before.replace(/\n*$/, '\n')}${block.text}`;
  const lines = before.split('\n');
  const at = anchorLine(lines, block);
  const added = block.text.replace(/\n$/, '').split('\n');
  lines.splice(block.kind === 'after' ? at + 1 : at, block.kind === 'replace' ? 1 : 0, ...added);
  return lines.join('\n');
}

/** Applies every edit of a recipe to the repository at `root`. */
export function applyRecipe(root: string, blocks: readonly RecipeBlock[]): void {
  for (const b of blocks.filter((x) => EDITS.includes(x.kind))) {
    const file = path.join(root, b.file!);
    const text = applyEdit(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined, b);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
  }
}

export { copyRepository } from '../bench/repository-copy';

/**
 * The tests of the shipped data in the repository at `root`: the fast suite's files that, themselves or in a
 * `./<name>.cases` file they import, import the data of `environments/` (its index or a data file; not only the
 * definition types or compose.ts) or build the app of `main.ts` from it (`buildApp()`). Library tests build
 * their own fixtures and do neither.
 */
export function shippedDataTests(root: string): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const r = `${rel}/${e.name}`;
      if (e.isDirectory() && e.name !== 'e2e') walk(r);
      else if (e.name.endsWith('.test.ts') && readsShippedData(path.join(root, r))) out.push(r);
    }
  };
  walk('test');
  return out.sort();
}

/** Whether a test file, or a `./<name>.cases` file it imports, imports the shipped data or builds the shipped app. */
function readsShippedData(file: string): boolean {
  const text = fs.readFileSync(file, 'utf8');
  const cases = [...text.matchAll(/^import '\.\/([^']+\.cases)';$/gm)].map((m) => fs.readFileSync(path.join(path.dirname(file), `${m[1]}.ts`), 'utf8'));
  return [text, ...cases].some((t) => /from '(\.\.\/)+environments(\/(?!compose'|definition')[\w-]+)?'|\bbuildApp\(\)/.test(t));
}
