import { Yaml } from 'cdk8s';
import fc from 'fast-check';
import { scaleDefinition } from '../bench/scale-app';
import { buildApp } from '../main';
import { renderApp, stringifyYaml } from '../lib';
import { FULL, params } from './property';

describe('stringifyYaml writes byte for byte what cdk8s\' Yaml.stringify writes', () => {
  // 50 scale-benchmark apps and the platform files (multi-megabyte CRDs, 2 s) in `npm run test:e2e`; 5 apps and the environments in `npm test`.
  const scaleApps = FULL ? 50 : 5;
  test(`for every file of the committed environments${FULL ? ' and platforms' : ''} and of ${scaleApps} scale-benchmark apps`, () => {
    const files = [...renderApp(buildApp()).filter((f) => FULL || f.environment !== ''), ...renderApp(buildApp([scaleDefinition(scaleApps)]))];
    expect(files.length).toBeGreaterThan(FULL ? 140 : 40);
    for (const f of files) {
      const docs = f.objects.map((o) => o.manifest);
      expect(stringifyYaml(...docs)).toBe(Yaml.stringify(...docs));
    }
  });

  // Strings YAML 1.1 reads as something else, or that need quotes, escapes or a block scalar.
  const tricky = fc.constantFrom('', 'yes', 'No', 'on', 'OFF', 'y', 'n', 'true', 'null', '~', '1.0', '0x1F', '0o17', '1_000', '1:20', '1e3', '.5', '-',
    '2001-12-14', '- a', 'a: b', 'a #b', '#x', ' lead', 'trail ', 'multi\nline', 'tab\there', '"q"', "'s'", '*ref', '&anchor', '!tag', '%d', '@at', '`b`',
    '{x}', '[y]', 'a,b', '?', ': x', '100m', '128Mi', '192.168.1.11', 'nginx:1.27', 'ünïcode', 'x'.repeat(1100), '---', '...', '=', '<<');
  const key = fc.oneof(fc.constantFrom('app.kubernetes.io/name', 'metadata', 'a', 'on', 'yes', '1', 'x y', 'k: v', ''), fc.string({ maxLength: 8 }), tricky);
  const scalar = fc.oneof(tricky, fc.string({ maxLength: 12 }), fc.integer(), fc.double({ noNaN: false }), fc.boolean(), fc.constant(null));
  const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('map'), tie('list')),
    map: fc.dictionary(key, tie('value'), { maxKeys: 5 }),
    list: fc.array(tie('value'), { maxLength: 4 }),
  }));
  const doc = fc.dictionary(key, value, { minKeys: 1, maxKeys: 6 });

  test('for generated documents with tricky keys, scalars and nesting (property, seeded)', () => {
    fc.assert(fc.property(fc.array(doc, { minLength: 1, maxLength: 3 }), (docs) => {
      expect(stringifyYaml(...docs)).toBe(Yaml.stringify(...docs));
    }), params(400));
  });

  test('0 and -0 are different scalars to the library, in either order', () => {
    for (const docs of [[{ a: 0, b: -0 }], [{ a: -0, b: 0 }]]) expect(stringifyYaml(...docs)).toBe(Yaml.stringify(...docs));
  });

  test('an object met twice (written with an anchor by the library) and multi-line strings are left to the library', () => {
    const shared = { a: 1 };
    const docs = [{ x: shared, y: shared }, { text: 'one\ntwo\n' }];
    expect(stringifyYaml(...docs)).toBe(Yaml.stringify(...docs));
    expect(stringifyYaml(...docs)).toContain('&a1');
  });
});
