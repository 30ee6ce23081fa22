// Jest's transform of the TypeScript sources (jest.config.js): TypeScript's transpileModule with source maps,
// so a failure points at the TypeScript line. No type-checking here: `npm test` type-checks with tsc first.
// TypeScript itself is loaded only for a file jest has not cached yet (most runs: none), which spares
// every worker the second it takes to load it, as ts-jest does.
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
const TSCONFIG = fs.readFileSync(path.join(ROOT, 'tsconfig.json'), 'utf8');
const SELF = fs.readFileSync(__filename, 'utf8');
const TS_VERSION = require('typescript/package.json').version;

let compilerOptions;

/** tsconfig.json's compiler options for one file at a time, emitting JavaScript and a source map. */
function options() {
  if (!compilerOptions) {
    const ts = require('typescript');
    const { options: parsed, errors } = ts.convertCompilerOptionsFromJson(JSON.parse(TSCONFIG).compilerOptions, ROOT);
    if (errors.length > 0) throw new Error(ts.flattenDiagnosticMessageText(errors[0].messageText, '\n'));
    compilerOptions = { ...parsed, noEmit: false, sourceMap: true, inlineSourceMap: false, declaration: false, incremental: false, tsBuildInfoFile: undefined };
  }
  return compilerOptions;
}

module.exports = {
  getCacheKey(source, filename) {
    return crypto.createHash('sha256').update(SELF).update(TS_VERSION).update(TSCONFIG).update(filename).update(source).digest('hex');
  },
  process(source, filename) {
    const ts = require('typescript');
    const out = ts.transpileModule(source, { fileName: filename, compilerOptions: options() });
    return { code: out.outputText, map: out.sourceMapText };
  },
};
