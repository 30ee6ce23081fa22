/**
 * The constructs' own cases that keep no snapshot (test/<name>.cases.ts), run as one test file: jest loads
 * the library again for every test file (about a second each), one file for all of them loads it once. Run
 * one file's cases with `npx jest test/constructs.test.ts -t '<describe title>'`.
 */
import './cluster-issuers.cases';
import './extension.cases';
import './http-routes.cases';
import './network-policies.cases';
import './redis-store.cases';
import './validation.cases';
import './workload.cases';
