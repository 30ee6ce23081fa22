/**
 * The adversarial cases by enforcer, one file each (test/adversarial/*.cases.ts), run as one test file.
 *
 * Jest loads the library again for every test file (about a second each); one file for all of them loads it once.
 * caller-input.test.ts and output-folder.test.ts stay files of their own (the longest ones: they run beside it).
 */
import './api-server.cases';
import './gateway-api.cases';
import './ingress-nginx.cases';
import './kubelet-controllers.cases';
import './metallb.cases';
import './quantities.cases';
