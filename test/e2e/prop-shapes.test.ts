import * as path from 'path';
import * as ts from 'typescript';
import { Shape } from '../../lib/checks/shape';
import * as shapes from '../../lib/checks/prop-shapes';
import { ROOT } from '../helpers';

// The TypeScript compiler over the library's declarations (about 5 s): in npm run test:e2e.
describe('the runtime shapes follow the TypeScript props (a new prop must be added to lib/checks/prop-shapes.ts, or it is refused as unknown)', () => {
  test('every object shape named after an exported interface or type has exactly its properties', () => {
    const files = [path.join(ROOT, 'lib/index.ts'), path.join(ROOT, 'environments/definition.ts')];
    // The library's own types only (Node's, as tsconfig.app.json builds it), not every @types package installed (d3's, jest's, …).
    const program = ts.createProgram(files, { strict: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, noEmit: true, types: ['node'] });
    const checker = program.getTypeChecker();
    const declared = new Map<string, string[]>();
    for (const sf of program.getSourceFiles()) {
      if (sf.isDeclarationFile || !/\/(lib|environments)\//.test(sf.fileName)) continue;
      ts.forEachChild(sf, (n) => {
        if ((ts.isInterfaceDeclaration(n) || ts.isTypeAliasDeclaration(n)) && n.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) {
          const type = checker.getTypeAtLocation(n.name);
          if (!type.isUnion()) declared.set(n.name.text, checker.getPropertiesOfType(type).map((p) => p.name).sort());
        }
      });
    }
    const seen = new Map<string, string[]>();
    const walk = (shape: Shape): void => {
      if (shape.kind === 'object') {
        seen.set(shape.name, [...shape.fields.keys()].sort());
        for (const f of shape.fields.values()) walk(f.shape);
      } else if (shape.kind === 'list' || shape.kind === 'map') walk(shape.of);
      else if (shape.kind === 'either') shape.options.forEach(walk);
    };
    for (const value of Object.values(shapes)) if (typeof value === 'object' && value !== null && 'kind' in value) walk(value as Shape);
    const compared = [...seen].filter(([name]) => declared.has(name));
    expect(compared.length).toBeGreaterThan(40);
    expect(compared.filter(([name, keys]) => JSON.stringify(keys) !== JSON.stringify(declared.get(name))).map(([name, keys]) => ({ name, shape: keys, typescript: declared.get(name) }))).toEqual([]);
  });
});
