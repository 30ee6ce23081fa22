/*
 * Field tables for the documentation pages, read from the sources with the TypeScript compiler: each field of
 * an exported interface or type (its own and inherited ones), its type as written, whether it is required,
 * its `@default` and its JSDoc. Used by pages.ts for the `<!-- fields:<Name> start -->` blocks.
 */
import * as path from 'path';
import * as ts from 'typescript';
import { root } from './pages';

/** Where the documented types are declared: the library's two public faces and the environment definitions. */
const ENTRY_POINTS = ['lib/index.ts', 'lib/testing.ts', 'environments/definition.ts'];

let program: ts.Program | undefined;

/** The program over the entry points (built once per process). */
function sources(): ts.Program {
  program ??= ts.createProgram(ENTRY_POINTS.map((f) => path.join(root(), f)), {
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, strict: true, skipLibCheck: true, noEmit: true, types: ['node'],
  });
  return program;
}

/** One line of Markdown table text: no line breaks, `|` escaped. */
function cell(text: string): string {
  return text.replace(/\{@link\s+([^}\s|]+)(?:[\s|]+([^}]+))?\}/g, (_, target: string, label?: string) => `\`${label ?? target}\``).replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|').trim();
}

/** The exported interface or type alias `name` declared under lib/ or environments/; an error when there is none or several. */
function declaration(name: string): ts.InterfaceDeclaration | ts.TypeAliasDeclaration {
  const found: Array<ts.InterfaceDeclaration | ts.TypeAliasDeclaration> = [];
  for (const file of sources().getSourceFiles()) {
    const rel = path.relative(root(), file.fileName);
    if (!rel.startsWith('lib/') && !rel.startsWith('environments/')) continue;
    file.forEachChild((node) => {
      if ((ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) && node.name.text === name) found.push(node);
    });
  }
  if (found.length !== 1) throw new Error(`${found.length === 0 ? 'no' : 'several'} interface or type "${name}" in lib/ and environments/`);
  return found[0];
}

/** The Markdown table of a type's fields: field, type, default (or "required"), what it is. */
export function fieldTable(name: string): string {
  const checker = sources().getTypeChecker();
  const decl = declaration(name);
  const type = checker.getTypeAtLocation(decl.name);
  const members = checker.getPropertiesOfType(type).map((prop) => {
    const member = prop.declarations?.find((d): d is ts.PropertySignature => ts.isPropertySignature(d));
    if (!member) throw new Error(`${name}.${prop.name} has no property declaration`);
    return { prop, member };
  });
  // The checker's order of mapped types (Omit, Pick) varies between runs: the type's own fields first, then the
  // inherited ones, each in the order of their declarations.
  const own = (m: ts.Node) => m.getSourceFile() === decl.getSourceFile() && m.pos >= decl.pos && m.end <= decl.end;
  const key = (m: ts.Node) => `${own(m) ? 0 : 1}:${m.getSourceFile().fileName}:${String(m.pos).padStart(9, '0')}`;
  members.sort((a, b) => key(a.member).localeCompare(key(b.member)));
  const rows = members.map(({ prop, member }) => {
    const written = member.type?.getText() ?? checker.typeToString(checker.getTypeOfSymbolAtLocation(prop, member));
    const optional = (prop.flags & ts.SymbolFlags.Optional) !== 0;
    const tag = prop.getJsDocTags(checker).find((t) => t.name === 'default');
    const deflt = tag ? ts.displayPartsToString(tag.text) : '';
    if (optional && !deflt) throw new Error(`${name}.${prop.name} is optional without a @default`);
    const what = ts.displayPartsToString(prop.getDocumentationComment(checker));
    return `| \`${prop.name}\` | \`${cell(written)}\` | ${optional ? cell(deflt.replace(/^- /, '')) : 'required'} | ${cell(what)} |`;
  });
  return [
    `Fields of \`${name}\` (generated from its declaration in \`${path.relative(root(), decl.getSourceFile().fileName)}\`):`,
    '',
    '| field | type | default | what |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}
