import { Environment, NodePortApp } from '../../lib';

export function example(env: Environment): void {
  // docs start
  new NodePortApp(env.addChart('web'), 'web', {
    name: 'web', image: 'nginxinc/nginx-unprivileged:1.27-alpine', containerPort: 8080, port: 80, nodePort: 30080, replicas: 3,
    readiness: { httpPath: '/' },
  });
  // docs end
}
