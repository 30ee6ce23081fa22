import { App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
const app = new App(); const c = new Chart(app, 'c');
const d = new kplus.Deployment(c, 'd', { metadata: { name: 'web' }, replicas: 2, containers: [{ image: 'nginxinc/nginx-unprivileged:1.27-alpine', portNumber: 8080 }] });
d.exposeViaService({ name: 'web', serviceType: kplus.ServiceType.LOAD_BALANCER, ports: [{ port: 80, targetPort: 8080 }] });
console.log(require('cdk8s').Yaml.stringify(...c.toJson()));
