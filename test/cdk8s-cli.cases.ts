import * as fs from 'fs';
import * as path from 'path';
import type * as plugins from 'cdk8s-cli/lib/plugins/validation';
import { SchemaValidationPlugin } from '../lib/validation-plugin';
import { tempDir } from './helpers';

// The CLI exports its plugin API at runtime as 'cdk8s-cli/plugins'; its types live under lib/.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ValidationContext } = require('cdk8s-cli/plugins') as typeof plugins;

describe('the validation plugin of `cdk8s synth`', () => {
  async function report(yaml: string) {
    const file = path.join(tempDir(), 'm.yaml');
    fs.writeFileSync(file, yaml);
    const context = new ValidationContext([file], 'schema', '0.1.0', { bad: { path: 'dev/web/bad' } }, false);
    await new SchemaValidationPlugin().validate(context);
    return context.report;
  }

  test('passes valid manifests', async () => {
    const r = await report('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ok\ndata:\n  a: b\n');
    expect(r.success).toBe(true);
  });

  test('fails a wrong type and an unknown field, naming the object, the field and the construct path', async () => {
    const r = await report('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bad\n  namespace: dev\ndata:\n  port: 8080\nspec: {}\n');
    expect(r.success).toBe(false);
    const violations = r.toJson().violations;
    expect(violations.map((v) => v.ruleName)).toEqual([
      'ConfigMap dev/bad: data.port must be of type string',
      'ConfigMap dev/bad: spec is not a field of v1 ConfigMap',
    ]);
    expect(violations[0].violatingConstructs[0]).toMatchObject({ constructPath: 'dev/web/bad', locations: ['data.port'] });
  });
});

// Plain `cdk8s synth` and `npm run synth` as processes run in `npm run test:e2e` (test/e2e/cdk8s-cli.test.ts).
