/**
 * The CEL functions the API server offers to CRD validation rules, on top of @bufbuild/cel: the cel-go
 * extension libraries Kubernetes enables (k8s.io/apiserver pkg/cel/environment base.go: ext.Strings, ...)
 * and, where @bufbuild/cel's behaviour differs from cel-go's, cel-go's behaviour (Kubernetes evaluates
 * rules with cel-go). Each function below says which upstream function it mirrors.
 *
 * The rules of the CRDs we import use none of Kubernetes' own libraries (k8s.io/apiserver pkg/cel/library:
 * isURL, quantity, ip, cidr, format, ...): the test that compiles every imported rule fails when an upgraded
 * CRD starts using one, and that function is then added here.
 */

import { celEnv, celFunc, celMethod, CelScalar, isCelError, listType, type CelFunc, type CelType } from '@bufbuild/cel';
import { strings } from '@bufbuild/cel/ext';
import { RE2JS } from 're2js';

const { STRING, INT, DYN } = CelScalar;
const LIST_STRING = listType(STRING);

/** @bufbuild/cel's own functions, to delegate to and to find its well-known types. */
const base = celEnv({ funcs: strings });

function baseFunction(name: string) {
  const group = base.funcs.find(name);
  if (!group) throw new Error(`@bufbuild/cel has no function ${name}`);
  return group;
}

/** The CEL type google.protobuf.Duration, as @bufbuild/cel declares it (its std methods take it as target). */
function durationType(): CelType {
  for (const f of baseFunction('getSeconds')) {
    if (f.target?.name === 'google.protobuf.Duration') return f.target;
  }
  throw new Error('@bufbuild/cel has no duration type');
}

/** Splits a string into its code points (Go ranges over runes, JavaScript strings are UTF-16). */
const runes = (s: string): string[] => Array.from(s);

/** cel-go ext strings `split` = Go strings.SplitN (n < 0: all, n == 0: none, n > 0: the last part keeps the rest). */
export function goSplitN(s: string, sep: string, n: number): string[] {
  if (n === 0) return [];
  const all = sep === '' ? runes(s) : s.split(sep);
  if (n < 0 || n >= all.length) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}

/** cel-go ext strings `replace` = Go strings.Replace (n < 0: every match; an empty `old` matches before each rune and at the end). */
export function goReplace(s: string, old: string, replacement: string, n: number): string {
  if (n === 0 || old === replacement) return s;
  if (old === '') {
    const r = runes(s);
    const count = n < 0 || n > r.length + 1 ? r.length + 1 : n;
    let out = '';
    for (let i = 0; i < count; i++) out += replacement + (r[i] ?? '');
    return out + r.slice(count).join('');
  }
  const parts = s.split(old);
  if (n < 0 || n >= parts.length - 1) return parts.join(replacement);
  return `${parts.slice(0, n + 1).join(replacement)}${old}${parts.slice(n + 1).join(old)}`;
}

const stdDuration = baseFunction('duration');

/**
 * RE2 for `matches`, compiled once per pattern (cel-go compiles a constant pattern once per program;
 * @bufbuild/cel would compile it on every call). Same engine family: re2js is a port of Go's regexp (RE2).
 */
const regexCache = new Map<string, RE2JS>();
const re2 = {
  compile(pattern: string) {
    let re = regexCache.get(pattern);
    if (!re) {
      re = RE2JS.compile(pattern);
      regexCache.set(pattern, re);
    }
    return { test: (text: string) => re!.test(text) };
  },
};

/** Functions added to (or replacing) @bufbuild/cel's, in the API server's CEL environment. */
export const KUBERNETES_CEL_FUNCTIONS: readonly CelFunc[] = [
  // cel-go ext.Strings (enabled by k8s.io/apiserver pkg/cel/environment base.go): charAt, indexOf, join, ...
  ...strings,
  // cel-go ext/strings.go stringSplit / stringSplitN: Go strings.Split / strings.SplitN.
  celMethod('split', STRING, [STRING], LIST_STRING, function (sep) { return goSplitN(this, sep, -1); }),
  celMethod('split', STRING, [STRING, INT], LIST_STRING, function (sep, n) { return goSplitN(this, sep, Number(n)); }),
  // cel-go ext/strings.go stringReplace / stringReplaceN: Go strings.Replace (a negative count replaces every match).
  celMethod('replace', STRING, [STRING, STRING], STRING, function (old, rep) { return goReplace(this, old, rep, -1); }),
  celMethod('replace', STRING, [STRING, STRING, INT], STRING, function (old, rep, n) { return goReplace(this, old, rep, Number(n)); }),
  // cel-go common/types/string.go ConvertToType(DurationType): Go time.ParseDuration, which refuses "", "+" and "-"
  // (@bufbuild/cel reads them as 0s) and also accepts the Greek mu of "μs".
  celFunc('duration', [STRING], DYN, (s) => {
    const d = /^[+-]?$/.test(s) ? undefined : stdDuration.call(0, undefined, [s.replace(/\u03bc/g, '\u00b5')]);
    if (d === undefined || isCelError(d)) throw new Error(`time: invalid duration ${JSON.stringify(s)}`);
    return d as never;
  }),
  // cel-go common/types/duration.go durationGetMilliseconds: the whole duration in milliseconds (Go's
  // Duration.Milliseconds), not the millisecond part @bufbuild/cel returns.
  celMethod('getMilliseconds', durationType(), [], INT, function () {
    const d = (this as unknown as { message: { seconds: bigint; nanos: number } }).message;
    return (d.seconds * 1_000_000_000n + BigInt(d.nanos)) / 1_000_000n;
  }),
];

/** The RE2 engine `matches` uses (see {@link KUBERNETES_CEL_FUNCTIONS}). */
export const KUBERNETES_RE2 = re2;
