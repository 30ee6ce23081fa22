import { App } from 'cdk8s';
import { EnvironmentDefinition, environments } from './environments';
import { composeEnvironment } from './environments/compose';
import { runSynthCli } from './lib';

/** Builds the app: one Environment (and its charts) per definition, by default those in `environments/`. */
export function buildApp(definitions: readonly EnvironmentDefinition[] = environments): App {
  const app = new App();
  for (const definition of definitions) composeEnvironment(app, definition);
  return app;
}

if (require.main === module) runSynthCli(() => buildApp());
