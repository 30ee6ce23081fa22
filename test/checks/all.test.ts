/**
 * The checks by enforcer, one file of cases each (test/checks/*.cases.ts), run as one test file.
 *
 * Jest loads the library, its schemas and CEL rules again for every test file (about a second each); one
 * file for all of them loads them once. Run one enforcer's cases with `npx jest test/checks -t '<describe title>'`.
 */
import './admission.cases';
import './cel.cases';
import './cluster-cert-manager.cases';
import './cluster-metallb.cases';
import './cluster-scheduling.cases';
import './cluster-unique.cases';
import './kube-proxy.cases';
import './kubelet.cases';
import './pod-security.cases';
import './versions.cases';
