import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { ROOT } from './helpers';

/** Every optional property of an exported interface (its inline object types included) and where it is declared. */
function optionalProps(): Array<{ where: string; doc: string }> {
  const found: Array<{ where: string; doc: string }> = [];
  const lib = path.join(ROOT, 'lib');
  // Every module under lib/, its rooms included.
  const files = (fs.readdirSync(lib, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts')).sort();
  for (const file of files) {
    const text = fs.readFileSync(path.join(lib, file), 'utf8');
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
    const visit = (node: ts.Node, owner: string) => {
      if (ts.isInterfaceDeclaration(node)) {
        if (!node.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) return;
        owner = node.name.text;
      }
      if (ts.isPropertySignature(node) && node.questionToken && owner !== '') {
        const name = `${owner}.${node.name.getText(source)}`;
        const doc = (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).map((r) => text.slice(r.pos, r.end)).join('\n');
        found.push({ where: `lib/${file}: ${name}`, doc });
        owner = name;
      }
      ts.forEachChild(node, (child) => visit(child, owner));
    };
    visit(source, '');
  }
  return found;
}

describe('API reference', () => {
  test('every optional prop of every exported interface says what it defaults to (@default)', () => {
    const props = optionalProps();
    expect(props.length).toBeGreaterThan(150);
    expect(props.filter((p) => !/@default\s+\S/.test(p.doc)).map((p) => p.where)).toEqual([]);
  });

  // docs/api against a fresh typedoc run: `npm run test:e2e` (test/e2e/api-docs.test.ts).
});
