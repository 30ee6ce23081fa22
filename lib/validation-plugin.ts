import * as path from 'path';
import type { Validation, ValidationContext } from 'cdk8s-cli/lib/plugins/validation';
import { PLATFORM_FOLDER } from './cluster/cluster-platform';
import { objectId, validateManifest } from './checks/schema';

/**
 * The schema check as a cdk8s CLI validation plugin, so that plain `cdk8s synth` also refuses objects
 * that a Kubernetes 1.27 API server (or a CRD's schema) would refuse. Listed under `validations:` in
 * `cdk8s.yaml`; the CLI loads it from `build/lib/validation-plugin.js`.
 */
export class SchemaValidationPlugin implements Validation {
  public async validate(context: ValidationContext): Promise<void> {
    let failed = false;
    for (const manifestPath of context.manifests) {
      // kustomize's own file (the list of an environment's files) is not an object for the cluster.
      if (path.basename(manifestPath) === 'kustomization.yaml') continue;
      // A cluster's platform (upstream charts) is checked by the synth against that cluster's Kubernetes version
      // and the CRDs in its output; this plugin knows neither.
      if (path.basename(path.dirname(path.dirname(manifestPath))) === PLATFORM_FOLDER) continue;
      for (const manifest of context.parseManifest(manifestPath)) {
        const violations = validateManifest(manifest);
        for (const v of violations) {
          failed = true;
          context.report.addViolation({
            ruleName: `${v.object}: ${v.field} ${v.message}`,
            recommendation: `Fix ${v.field} of ${objectId(manifest)} so that it matches the Kubernetes 1.27 (or CRD) schema.`,
            fix: 'Change the construct prop that produces this field; run `npm run synth` for the construct path.',
            violatingResources: [{ resourceName: String(manifest?.metadata?.name), locations: [v.field], manifestPath }],
          });
        }
      }
    }
    context.report.submit(failed ? 'failure' : 'success');
  }
}
