/**
 * The selector indexes (lib/checks/api-server.ts selectedBy, selecting) give the same answers, in the same
 * order, as filtering every item with `selects`: the checks and the map use them instead of scanning all
 * objects once per policy or workload (issue 24). Random items and queries from a small alphabet, so that
 * labels, selectors and namespaces collide often; non-string values, expressions and empty selectors included.
 */
import fc from 'fast-check';
import { selectedBy, selecting, selects } from '../lib/checks/api-server';
import { params } from './property';

type Labels = Record<string, unknown>;
const key = fc.constantFrom('app', 'tier', 'a\u0000b', 'a');
const value = fc.oneof(fc.constantFrom('x', 'y', 'b\u0000x', '1'), fc.constant(1), fc.constant(undefined));
const labels: fc.Arbitrary<Labels> = fc.dictionary(key, value, { maxKeys: 3 });
const namespace = fc.constantFrom('dev', 'prod', undefined);
const expression = fc.record({ key, operator: fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Bogus'), values: fc.array(value, { maxLength: 2 }) });
const selector = fc.record({ matchLabels: fc.option(labels, { nil: undefined }), matchExpressions: fc.option(fc.array(expression, { maxLength: 2 }), { nil: undefined }) }, { requiredKeys: [] });

interface Item { readonly id: number; readonly namespace: unknown; readonly labels: Labels; readonly selector: Record<string, any> }
const items = fc.array(fc.record({ namespace, labels, selector }), { maxLength: 25 }).map((xs) => xs.map((x, id): Item => ({ id, ...x })));

describe('selector indexes', () => {
  test('selectedBy: the items a selector selects in a namespace, as a filter with selects gives them', () => {
    fc.assert(fc.property(items, namespace, selector, (all, ns, sel) => {
      const index = selectedBy(all, (i) => i.namespace, (i) => i.labels);
      const expected = all.filter((i) => i.namespace === ns && selects(sel, i.labels));
      expect(index(ns, sel).map((i) => i.id)).toEqual(expected.map((i) => i.id));
    }), params(2000));
  });

  test('selecting: the items whose selector selects some labels in a namespace, as a filter with selects gives them', () => {
    fc.assert(fc.property(items, namespace, labels, (all, ns, ls) => {
      const index = selecting(all, (i) => i.namespace, (i) => i.selector);
      const expected = all.filter((i) => i.namespace === ns && selects(i.selector, ls));
      expect(index(ns, ls).map((i) => i.id)).toEqual(expected.map((i) => i.id));
    }), params(2000));
  });

  test('both find matches through the label they index by, not only through a full scan', () => {
    const pods = [{ ns: 'dev', labels: { app: 'web' } }, { ns: 'dev', labels: { app: 'db' } }, { ns: 'prod', labels: { app: 'web' } }];
    expect(selectedBy(pods, (p) => p.ns, (p) => p.labels)('dev', { matchLabels: { app: 'web' } })).toEqual([pods[0]]);
    const policies = [{ ns: 'dev', sel: { matchLabels: { app: 'web' } } }, { ns: 'dev', sel: {} }, { ns: 'dev', sel: { matchLabels: { app: 'db' } } }];
    expect(selecting(policies, (p) => p.ns, (p) => p.sel)('dev', { app: 'web', tier: 'front' })).toEqual([policies[0], policies[1]]);
  });

  test('two labels whose key and value read the same once joined give each item once', () => {
    // 'a\0b' = 'x' and 'a' = 'b\0x' both join to "a\0b\0x", the index's key.
    const pod = { labels: { 'a\u0000b': 'x', a: 'b\u0000x' } };
    expect(selectedBy([pod], () => 'dev', (p) => p.labels)('dev', { matchLabels: { a: 'b\u0000x' } })).toEqual([pod]);
    const policy = { sel: { matchLabels: { a: 'b\u0000x' } } };
    expect(selecting([policy], () => 'dev', (p) => p.sel)('dev', pod.labels)).toEqual([policy]);
  });
});
