import { App } from 'cdk8s';
import { Environment } from '../../lib';

export function exampleApp(app: App): void {
  // docs start
  new Environment(app, 'dev', { name: 'dev' }); // no quota, containerLimits or claimSize given
  // docs end
}

/** The quota and limits every environment writes by default. */
export const show = (manifest: Record<string, any>): boolean => manifest.kind === 'ResourceQuota' || manifest.kind === 'LimitRange';
