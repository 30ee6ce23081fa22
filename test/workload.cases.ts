import { App, Chart } from 'cdk8s';
import { secureContainer, SecureContainerProps, ValidationError } from '../lib';

const base: SecureContainerProps = { image: 'app:1.0.0', containerPort: 8080 };

describe('secureContainer', () => {
  test('defaults: requests and limits, TCP probes, /tmp writable, non-root, read-only root', () => {
    const c = secureContainer(new Chart(new App(), 'test'), 'web', base);
    expect(c.securityContext).toMatchObject({ ensureNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false });
    expect(c.volumeMounts?.map((m) => m.path)).toEqual(['/tmp']);
    expect(c.portNumber).toBe(8080);
  });

  test.each<[string, Partial<SecureContainerProps>, string]>([
    ['an unpinned image', { image: 'app' }, 'image "app" is not pinned'],
    ['a port outside 1-65535', { containerPort: 70000 }, 'containerPort 70000 is outside 1-65535'],
    ['a bad quantity', { resources: { cpuRequest: '1 core' } }, 'resources.cpuRequest "1 core" is not a Kubernetes quantity'],
    ['a request above its limit', { resources: { memoryRequest: '1Gi', memoryLimit: '512Mi' } }, 'resources.memoryRequest "1Gi" is more than resources.memoryLimit "512Mi"'],
    ['a relative writable path', { writablePaths: ['tmp'] }, 'writablePaths[0] "tmp" must be an absolute path'],
    ['a probe path without "/"', { readiness: { httpPath: 'healthz' } }, 'readiness.httpPath "healthz" must start with "/"'],
    ['root', { runAsUser: 0 }, 'runAsUser 0 must be a non-root user id'],
  ])('refuses %s', (_what, props, message) => {
    const chart = new Chart(new App(), 'test');
    const make = () => secureContainer(chart, 'web', { ...base, ...props });
    expect(make).toThrow(ValidationError);
    expect(make).toThrow(`${chart.node.path}: ${message}`);
  });
});
