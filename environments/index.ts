import { dev } from './dev';
import { EnvironmentDefinition } from './definition';
import { lab } from './lab';
import { prod } from './prod';
import { staging } from './staging';

export type { EnvironmentDefinition } from './definition';
export { clusters } from './clusters';

/** Every environment this repository synthesizes, in output order. Adding one: a file like `staging.ts`, listed here, naming its cluster (clusters.ts). */
export const environments: readonly EnvironmentDefinition[] = [dev, staging, prod, lab];
