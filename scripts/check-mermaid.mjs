// Parses the Mermaid block of each Markdown file given (or of stdin, with "-") with Mermaid's own parser,
// the one GitHub renders with. Mermaid needs a DOM even to parse: jsdom provides one. Prints one line per
// file and exits 1 if any block does not parse.
import fs from 'fs';
import { createRequire } from 'module';

const USAGE = `usage: node scripts/check-mermaid.mjs <file.md>... | -

Parses the first \`\`\`mermaid block of each Markdown file (or of stdin, with "-") with Mermaid's own parser.

exit codes:
  0  every block parses
  1  a file has no block, or its block does not parse (one line per file says which)
  2  bad command line (no file, or an unknown option): nothing done
`;
const { readArgs } = createRequire(import.meta.url)('./cli-args.js');
const files = readArgs(process.argv.slice(2), USAGE, { positionals: Infinity }).positionals;
if (files.length === 0) {
  process.stderr.write(`no file given; nothing was done.\n\n${USAGE}`);
  process.exit(2);
}
const { JSDOM } = await import('jsdom');

const dom = new JSDOM('<!doctype html><html><body></body></html>');
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import('mermaid');

let failed = false;
for (const file of files) {
  const text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  const start = text.indexOf('```mermaid\n');
  const end = text.indexOf('\n```', start + 1);
  try {
    if (start < 0 || end < 0) throw new Error('no ```mermaid block');
    const parsed = await mermaid.parse(text.slice(start + 11, end));
    console.log(`${file}: ${parsed.diagramType}`);
  } catch (e) {
    failed = true;
    console.log(`${file}: ${String(e.message ?? e).split('\n').slice(0, 3).join(' ')}`);
  }
}
process.exitCode = failed ? 1 : 0;
