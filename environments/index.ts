import { dev } from './dev';
import { EnvironmentDefinition } from './definition';

export type { EnvironmentDefinition } from './definition';

/** Every environment this repository synthesizes, in output order. */
export const environments: readonly EnvironmentDefinition[] = [dev];
