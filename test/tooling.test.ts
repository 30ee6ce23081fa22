/**
 * The tooling's quick checks (test/<name>.cases.ts: the CLIs' --help and refusals, `npm run import`'s
 * refusals, the cdk8s CLI plugin, the package's entry points, the API docs), run as one test file: jest
 * loads the library again for every test file (about a second each), one file for all of them loads it once.
 * Their slow end-to-end counterparts are in test/e2e/.
 */
import './api-docs.cases';
import './cdk8s-cli.cases';
import './cli-help.cases';
import './import-crds.cases';
import './package.cases';
