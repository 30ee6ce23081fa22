/**
 * The constructs' own cases (test/<name>.cases.ts), run as one test file: jest loads the library again for
 * every test file (about a second each), one file for all of them loads it once. Their snapshots are in
 * __snapshots__/constructs.test.ts.snap. Run one file's cases with `npx jest test/constructs.test.ts -t '<describe title>'`.
 */
import './autoscaled-app.cases';
import './cluster-issuers.cases';
import './environment.cases';
import './extension.cases';
import './http-routes.cases';
import './ingress-routes.cases';
import './metallb-l2-pool.cases';
import './network-policies.cases';
import './nfs-storage.cases';
import './node-daemon.cases';
import './node-port-app.cases';
import './ordered-stateful-set.cases';
import './redis-store.cases';
import './validation.cases';
import './workload.cases';
