import { EnvironmentProps } from '../lib';

/**
 * What one environment runs, as data. `main.ts` turns each definition into an Environment and its
 * charts; adding an environment is adding one definition to `environments/index.ts`.
 */
export interface EnvironmentDefinition extends EnvironmentProps {}
