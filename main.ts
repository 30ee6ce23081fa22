import { App } from 'cdk8s';
import { environments } from './environments';
import { composeEnvironment } from './environments/compose';
import { runSynthCli } from './lib';

/** Builds the app: one Environment (and its charts) per definition in `environments/`. */
export function buildApp(): App {
  const app = new App();
  for (const definition of environments) composeEnvironment(app, definition);
  return app;
}

if (require.main === module) runSynthCli(buildApp);
