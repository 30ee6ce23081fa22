import { ApiObject, JsonPatch, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-27';
import { Construct } from 'constructs';
import { STATEFUL_SET_POD_NAME_LABEL } from '../checks/cross-checks';
import { OrderedStatefulSet, OrderedStatefulSetProps } from './ordered-stateful-set';
import { checkProps, REDIS_STORE } from '../checks/prop-shapes';
import { checkDataKey, checkDns1035Label, checkDnsSubdomain, checkOneOf, checkPositiveQuantity, fail, parseQuantity } from '../checks/validation';
import { containerResources, selectorLabels } from './workload';

/**
 * The Secret holding the Redis password. The operators create it in the namespace before the pods start
 * (the kubelet holds a pod whose Secret is missing in CreateContainerConfigError); it never is in Git:
 *
 *     kubectl -n <namespace> create secret generic <secretName> --from-literal=<key>="$(openssl rand -hex 32)"
 *
 * The password must be at least 16 characters of `A-Z a-z 0-9 . _ ~ + / = -` (hex and base64 are): the
 * container refuses to start otherwise, with a message naming the Secret.
 */
export interface RedisAuth {
  /** Name of the Secret (a DNS-1123 subdomain), in the StatefulSet's namespace. */
  readonly secretName: string;
  /** Key of the password in the Secret. @default "password" */
  readonly key?: string;
}

/** What Redis does when `maxmemory` is reached (redis.conf `maxmemory-policy`). */
export type RedisEvictionPolicy =
  'noeviction' | 'allkeys-lru' | 'allkeys-lfu' | 'allkeys-random' | 'volatile-lru' | 'volatile-lfu' | 'volatile-random' | 'volatile-ttl';

const EVICTION_POLICIES: readonly RedisEvictionPolicy[] = [
  'noeviction', 'allkeys-lru', 'allkeys-lfu', 'allkeys-random', 'volatile-lru', 'volatile-lfu', 'volatile-random', 'volatile-ttl',
];

/** A Redis primary with replicas: an OrderedStatefulSet whose command, arguments and probes this construct sets. */
export interface RedisStoreProps extends Omit<OrderedStatefulSetProps, 'readiness' | 'liveness' | 'args' | 'writablePaths'> {
  /** Folders Redis writes to besides its claims, each an `emptyDir`. @default [] (Redis writes only to /data, its claim) */
  readonly writablePaths?: string[];
  /** The password's Secret, created by the operators (see {@link RedisAuth}); the pods refuse clients without it. */
  readonly auth: RedisAuth;
  /**
   * Memory for keys (redis.conf `maxmemory`), below the container's memory limit: the rest holds the
   * replication buffers, the copy-on-write pages of the append-only-file rewrite's fork and Redis's own
   * overhead. At most three quarters of the limit. @default - half of the container's memory limit
   */
  readonly maxmemory?: string;
  /** What Redis does at `maxmemory`. @default "noeviction" (writes fail; nothing stored is dropped) */
  readonly evictionPolicy?: RedisEvictionPolicy;
}

/** Where the container sees the data: the image's WORKDIR, and where a claim template must be mounted. */
const DATA_DIR = '/data';
/** Memory-backed folder of the configuration written at start (it holds the password, so never on disk). */
const CONFIG_DIR = '/run/redis';
const CONFIG_VOLUME = 'redis-config';
const MIN_MEMORY_LIMIT = 64 * 2 ** 20;

/**
 * Redis as one primary and `replicas - 1` read-only replicas, each pod with its own claim and the data
 * kept in an append-only file under /data:
 *
 * - pod `<name>-0` is the primary; every other pod runs `replicaof <name>-0.<name>.<namespace>.svc.cluster.local`
 *   (its stable name through the headless Service) and authenticates to it with the same password.
 * - write to the Service `<name>-primary` (selecting only pod 0 by `statefulset.kubernetes.io/pod-name`);
 *   the headless Service `<name>` resolves to every pod, replicas included, which answer writes with READONLY.
 * - there is no automatic failover (no Sentinel): while pod 0 is down, writes fail and replicas serve
 *   their last data; it comes back on its own claim with its data.
 * - authentication: the password comes from the Secret `auth` names (see {@link RedisAuth}) into the
 *   environment variable `REDISCLI_AUTH` by `secretKeyRef`; the start command writes `requirepass` and
 *   `masterauth` into a memory-backed file, so the password is in neither the pod spec nor a process's
 *   arguments. The probes run `redis-cli ping`, which authenticates with that variable: readiness wants
 *   PONG, liveness also accepts LOADING (a large data set may take longer to load than a liveness period).
 * - memory: `maxmemory` (half the limit unless set), `maxmemory-policy`, and a replica output-buffer
 *   limit of an eighth of the limit (hard) or a sixteenth for 60 s (soft), so a full sync cannot take the
 *   container past its limit.
 *
 * Moving existing independent instances to this topology: on their first sync, replicas replace their
 * own data with the primary's. Copy anything kept only on pods 1.. to pod 0 before rolling out.
 *
 * Image facts (docker-library redis `7.2/alpine/Dockerfile`, `docker-entrypoint.sh`): user `redis` is uid 999,
 * group 1000 (999 on the Debian variant); it listens on 6379 and writes only to its WORKDIR /data (so no
 * emptyDir unless `writablePaths` asks: neither redis-server, redis-cli nor the start script writes elsewhere); the
 * entrypoint only adds `redis-server` and drops root, so this construct's command (`sh -c …`) replaces it.
 */
export class RedisStore extends OrderedStatefulSet {
  /** The Service clients write to (ClusterIP), selecting only the primary, pod 0. */
  public readonly primaryService: kplus.Service;
  /** The write Service's DNS name, `<name>-primary.<namespace>.svc.cluster.local`. */
  public readonly primaryHost: string;
  /** `maxmemory`, in bytes. */
  public readonly maxmemoryBytes: number;

  constructor(scope: Construct, id: string, props: RedisStoreProps) {
    super(scope, id, withProbes(props));
    try {
      checkProps(this, props, REDIS_STORE);
      const auth = props.auth ?? fail(this, 'auth', undefined, 'is required: the Secret holding the password (see RedisAuth)');
      const secretName = checkDnsSubdomain(this, 'auth.secretName', auth.secretName);
      const key = checkDataKey(this, 'auth.key', auth.key ?? 'password');
      const policy = checkOneOf(this, 'evictionPolicy', props.evictionPolicy ?? 'noeviction', EVICTION_POLICIES);
      const templates = props.volumeClaimTemplates ?? [];
      if (!templates.some((t) => t.mountPath === DATA_DIR)) {
        fail(this, 'volumeClaimTemplates', templates.map((t) => t.mountPath), `must include one mounted at ${DATA_DIR}, where Redis keeps its append-only file (the root filesystem is read-only)`);
      }
      templates.forEach((t, i) => {
        if (t.name === CONFIG_VOLUME) fail(this, `volumeClaimTemplates[${i}].name`, t.name, 'is the name of the memory-backed volume holding the generated configuration; rename the template');
        if (t.mountPath === CONFIG_DIR) fail(this, `volumeClaimTemplates[${i}].mountPath`, t.mountPath, 'is where the generated configuration is mounted');
      });
      const memory = this.memory(props);
      this.maxmemoryBytes = memory.maxmemory;

      const port = props.containerPort;
      const primary = this.podDnsNames[0] ?? `${this.name}-0.${this.serviceName}.${this.namespace}.svc.cluster.local`;
      this.container.env.addVariable('REDISCLI_AUTH', kplus.EnvValue.fromSecretValue({ secret: kplus.Secret.fromSecretName(this, 'auth', secretName), key }, { optional: false }));
      this.container.env.addVariable('POD_NAME', kplus.EnvValue.fromFieldRef(kplus.EnvFieldPaths.POD_NAME));
      const api = ApiObject.of(this.statefulSet);
      // The pod volume through cdk8s-plus; its mount as a patch after the claim templates' mounts, which
      // OrderedStatefulSet writes as patches too (a cdk8s-plus mount would be replaced by them).
      this.statefulSet.addVolume(kplus.Volume.fromEmptyDir(this, 'config', CONFIG_VOLUME, { medium: kplus.EmptyDirMedium.MEMORY, sizeLimit: Size.mebibytes(1) }));
      api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/volumeMounts/-', { name: CONFIG_VOLUME, mountPath: CONFIG_DIR }));
      api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/command', ['sh', '-c', startScript(this.name, `${this.name}-0`, primary, port, secretName, key), this.name]));
      api.addJsonPatch(JsonPatch.add('/spec/template/spec/containers/0/args', [
        '--port', String(port), '--dir', DATA_DIR, '--appendonly', 'yes',
        '--maxmemory', String(memory.maxmemory), '--maxmemory-policy', policy,
        '--client-output-buffer-limit', 'replica', String(memory.replicaHard), String(memory.replicaSoft), '60',
      ]));

      const primaryName = checkDns1035Label(this, 'name', `${this.name}-primary`);
      this.primaryService = new kplus.Service(this, 'PrimaryService', {
        metadata: { name: primaryName },
        ports: [{ name: 'tcp', port: this.service.port, targetPort: port }],
      });
      const selector = { ...selectorLabels(this.name), [STATEFUL_SET_POD_NAME_LABEL]: `${this.name}-0` };
      for (const [k, v] of Object.entries(selector)) this.primaryService.selectLabel(k, v);
      this.primaryHost = `${primaryName}.${this.namespace}.svc.cluster.local`;
    } catch (e) {
      scope.node.tryRemoveChild(this.node.id);
      throw e;
    }
  }

  /** maxmemory and the replica output-buffer limits, from the container's memory limit. */
  private memory(props: RedisStoreProps) {
    const limitText = containerResources(this, props).memoryLimit;
    const limit = parseQuantity(limitText)!;
    if (limit < MIN_MEMORY_LIMIT) {
      fail(this, 'resources.memoryLimit', limitText, 'is less than 64Mi, too little for Redis, its replication buffers and the fork of an append-only-file rewrite');
    }
    let maxmemory = Math.floor(limit / 2);
    if (props.maxmemory !== undefined) {
      const q = checkPositiveQuantity(this, 'maxmemory', props.maxmemory, 'memory');
      maxmemory = Number(q.num / q.den);
      // Redis itself: the kernel OOM-kills the container at its cgroup limit, whatever maxmemory says.
      if (maxmemory >= limit) {
        fail(this, 'maxmemory', props.maxmemory, `is not below the container's memory limit ${limitText}: the kernel would kill Redis before it evicts or refuses a write`);
      }
      if (maxmemory > limit * 0.75) {
        fail(this, 'maxmemory', props.maxmemory, `is more than three quarters of the memory limit ${limitText}: the rest must hold the replication buffers and the copy-on-write pages of the append-only-file rewrite's fork`);
      }
    }
    return { maxmemory, replicaHard: Math.floor(limit / 8), replicaSoft: Math.floor(limit / 16) };
  }
}

/** The props the base construct gets: this construct's probes, and no emptyDir unless asked. */
function withProbes(props: RedisStoreProps): OrderedStatefulSetProps {
  if (typeof props !== 'object' || props === null || typeof props.containerPort !== 'number') return props;
  const ping = `redis-cli -p ${props.containerPort} ping`;
  return {
    ...props,
    writablePaths: props.writablePaths ?? [],
    readiness: { command: ['sh', '-c', `test "$(${ping})" = PONG`] },
    liveness: { command: ['sh', '-c', `r="$(${ping} 2>&1)"; case "$r" in PONG|*LOADING*) exit 0 ;; esac; echo "$r"; exit 1`] },
  };
}

/**
 * The container's start: checks the password from the Secret, writes `requirepass`, `masterauth` and, on
 * every pod but the primary, `replicaof` into the memory-backed configuration file (builtins only: no
 * process gets the password as an argument), then runs redis-server with it and the arguments.
 */
function startScript(name: string, primaryPod: string, primaryHost: string, port: number, secretName: string, key: string): string {
  const secret = `Secret ${secretName} (key ${key})`;
  return [
    'set -eu',
    'pw="${REDISCLI_AUTH:-}"',
    `case "$pw" in *[!A-Za-z0-9._~+/=-]*) echo "${name}: the password in ${secret} may hold only A-Z a-z 0-9 . _ ~ + / = -" >&2; exit 1 ;; esac`,
    `if [ "\${#pw}" -lt 16 ]; then echo "${name}: the password in ${secret} is shorter than 16 characters" >&2; exit 1; fi`,
    'umask 077',
    '{',
    `  printf 'requirepass %s\\nmasterauth %s\\n' "$pw" "$pw"`,
    `  if [ "$POD_NAME" != ${primaryPod} ]; then printf 'replicaof %s %s\\n' ${primaryHost} ${port}; fi`,
    `} > ${CONFIG_DIR}/redis.conf`,
    `exec redis-server ${CONFIG_DIR}/redis.conf "$@"`,
  ].join('\n');
}
