import { EnvironmentDefinition } from './definition';

/** The development environment: a small quota, generous enough for a few replicas of each app. */
export const dev: EnvironmentDefinition = {
  name: 'dev',
  namespace: 'dev',
  quota: {
    requestsCpu: '4',
    requestsMemory: '8Gi',
    limitsCpu: '8',
    limitsMemory: '16Gi',
    pods: 50,
    persistentVolumeClaims: 10,
    requestsStorage: '50Gi',
  },
  containerLimits: {
    defaultRequestCpu: '100m',
    defaultRequestMemory: '128Mi',
    defaultLimitCpu: '500m',
    defaultLimitMemory: '512Mi',
    maxCpu: '2',
    maxMemory: '4Gi',
  },
  claimSize: { min: '10Mi', max: '20Gi' },
};
