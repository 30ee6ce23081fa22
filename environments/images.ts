/**
 * What each image the shipped environments run does at runtime, read from its upstream build files: the
 * user and group it runs as, the port it listens on, where it writes, the HTTP path that answers 200 when
 * it is up and the path prefix it serves its content at. The environment definitions take their ports,
 * probes, users and writable mounts from here (`runs`), and test/images.test.ts checks that every shipped
 * container agrees with its image's entry. Changing an image means re-reading its files and updating
 * its entry (and the links, pinned to the tag or commit the facts were read at).
 */

/** An upstream file a fact was read from: a URL pinned to a tag or commit, and what it says. */
export interface ImageSource {
  /** Pinned URL of the file. */
  readonly url: string;
  /** The lines that state the fact. */
  readonly says: string;
}

/** The runtime facts of one image, as pinned by the shipped environments. */
export interface ImageFacts {
  /** The image reference as the environments pin it. */
  readonly image: string;
  /** Numeric user id to run as: the image's own user, or ours when the image has none (then `why` says so). */
  readonly runAsUser: number;
  /** Numeric primary group id to run as. */
  readonly runAsGroup: number;
  /** Port the process listens on as we run it (with `args`). */
  readonly port: number;
  /** Arguments our use passes that the other facts depend on (e.g. the port flag). @default - none */
  readonly args?: readonly string[];
  /** Folders the process writes to (the root filesystem is read-only): each needs an emptyDir or a claim. */
  readonly writablePaths: readonly string[];
  /** HTTP path that answers 200 when the process is up, for probes. @default - none: TCP probes */
  readonly healthPath?: string;
  /** Path prefix it serves its content at (what a route must forward to). @default - none: not HTTP */
  readonly servesAt?: string;
  /** Where each fact comes from. */
  readonly sources: {
    readonly user: ImageSource;
    readonly port: ImageSource;
    readonly writablePaths: ImageSource;
    readonly health?: ImageSource;
    readonly servesAt?: ImageSource;
  };
}

const NGINX_UNPRIVILEGED_DOCKERFILE =
  // 1.27.4, the Dockerfile that 1.27-alpine builds on (mainline/alpine is FROM this alpine-slim image).
  'https://github.com/nginxinc/docker-nginx-unprivileged/blob/2cc5e1e803dee7adc6418662068edb014b26584c/mainline/alpine-slim/Dockerfile';

/** nginx built to run unprivileged: static files from /usr/share/nginx/html at `/`. */
export const NGINX_UNPRIVILEGED: ImageFacts = {
  image: 'nginxinc/nginx-unprivileged:1.27-alpine',
  runAsUser: 101,
  runAsGroup: 101,
  port: 8080,
  writablePaths: ['/tmp'],
  healthPath: '/',
  servesAt: '/',
  sources: {
    user: { url: NGINX_UNPRIVILEGED_DOCKERFILE, says: 'ARG UID=101, ARG GID=101; addgroup -g $GID nginx; adduser -u $UID -G nginx nginx; USER $UID' },
    port: { url: NGINX_UNPRIVILEGED_DOCKERFILE, says: "sed -i 's,listen       80;,listen       8080;,' /etc/nginx/conf.d/default.conf; EXPOSE 8080" },
    writablePaths: {
      url: NGINX_UNPRIVILEGED_DOCKERFILE,
      says: "sed 's,/var/run/nginx.pid,/tmp/nginx.pid,'; proxy_temp_path, client_body_temp_path, fastcgi_temp_path, uwsgi_temp_path, scgi_temp_path all under /tmp",
    },
    health: { url: NGINX_UNPRIVILEGED_DOCKERFILE, says: 'no health endpoint: the default server answers / with /usr/share/nginx/html/index.html (200 while the page exists)' },
    servesAt: {
      url: 'https://github.com/nginx/pkg-oss/blob/8235382f76c73d48299715c41d5a2766ea2238a3/alpine/APKBUILD-base.in',
      says: "the nginx package installs default.conf as /etc/nginx/conf.d/default.conf: location / { root /usr/share/nginx/html; } (only the listen line is changed by the Dockerfile)",
    },
  },
};

const REDIS_DOCKERFILE = 'https://github.com/docker-library/redis/blob/b50eb50d936041804b28703bd84d379ff55ae2af/7.2/alpine/Dockerfile';

/** Redis 7.2 on Alpine (7.2.16; user, port and paths are the same across the 7.2 patches): no USER (its entrypoint drops from root to redis); we run it as redis directly. */
export const REDIS: ImageFacts = {
  image: 'redis:7.2.16-alpine',
  runAsUser: 999,
  runAsGroup: 1000,
  port: 6379,
  writablePaths: ['/data'],
  sources: {
    user: {
      url: REDIS_DOCKERFILE,
      says: 'addgroup -S -g 1000 redis; adduser -S -G redis -u 999 redis; no USER: docker-entrypoint.sh runs redis-server as redis (gosu) only when started as root, and as is when not',
    },
    port: { url: REDIS_DOCKERFILE, says: 'EXPOSE 6379 (redis-server default port)' },
    writablePaths: { url: REDIS_DOCKERFILE, says: 'VOLUME /data; WORKDIR /data (append-only file and snapshots, with --dir /data)' },
  },
};

const WHOAMI = 'https://github.com/traefik/whoami/blob/v1.10.3';

/** traefik/whoami: echoes each request; FROM scratch with no user of its own, so we run it as nobody. */
export const TRAEFIK_WHOAMI: ImageFacts = {
  image: 'traefik/whoami:v1.10.3',
  runAsUser: 65534,
  runAsGroup: 65534,
  port: 8080,
  args: ['--port', '8080'],
  writablePaths: [],
  healthPath: '/health',
  servesAt: '/',
  sources: {
    user: { url: `${WHOAMI}/Dockerfile`, says: 'FROM scratch; no USER and no /etc/passwd (it would run as root): 65534 ("nobody") is our choice' },
    port: { url: `${WHOAMI}/app.go`, says: 'flag.StringVar(&port, "port", getEnv("WHOAMI_PORT_NUMBER", "80"), ...): 80 needs root, so we pass --port 8080; Dockerfile EXPOSE 80' },
    writablePaths: { url: `${WHOAMI}/app.go`, says: 'writes nothing to disk (request echo, /data generates its payload in memory)' },
    health: { url: `${WHOAMI}/app.go`, says: 'mux.Handle("/health", handle(healthHandler, verbose)): 200 until a POST changes it' },
    servesAt: { url: `${WHOAMI}/app.go`, says: 'mux.Handle("/", handle(whoamiHandler, verbose)): every other path echoes the request' },
  },
};

const NODE_EXPORTER = 'https://github.com/prometheus/node_exporter/blob/v1.8.2';

/** Prometheus node-exporter: node metrics at /metrics, read-only. */
export const NODE_EXPORTER_IMAGE: ImageFacts = {
  image: 'quay.io/prometheus/node-exporter:v1.8.2',
  runAsUser: 65534,
  runAsGroup: 65534,
  port: 9100,
  args: ['--web.listen-address=:9100'],
  writablePaths: [],
  healthPath: '/',
  servesAt: '/metrics',
  sources: {
    user: {
      url: `${NODE_EXPORTER}/Dockerfile`,
      says: 'FROM quay.io/prometheus/busybox-${OS}-${ARCH}:latest; USER nobody, a name the kubelet cannot verify: the busybox base takes /etc/passwd from buildroot '
        + '(system/skeleton/etc/passwd, "nobody:x:65534:65534"; docker-library/busybox latest/glibc/Dockerfile.builder), so 65534:65534',
    },
    port: { url: `${NODE_EXPORTER}/Dockerfile`, says: 'EXPOSE 9100; node_exporter.go --web.listen-address default ":9100"' },
    writablePaths: { url: `${NODE_EXPORTER}/node_exporter.go`, says: 'reads /proc, /sys and --path.rootfs; writes nothing' },
    health: { url: `${NODE_EXPORTER}/node_exporter.go`, says: 'http.Handle("/", landingPage) when the metrics path is not "/": 200 once the server is up' },
    servesAt: { url: `${NODE_EXPORTER}/node_exporter.go`, says: 'web.telemetry-path Default("/metrics"); http.Handle(*metricsPath, ...)' },
  },
};

/** Every image the shipped environments run. */
export const IMAGES: readonly ImageFacts[] = [NGINX_UNPRIVILEGED, REDIS, TRAEFIK_WHOAMI, NODE_EXPORTER_IMAGE];

/** How a container uses an image's facts: HTTP probes on its health path unless `tcpProbes`. */
export interface RunsOptions {
  /** Probe with a TCP connect even though the image has a health path (e.g. an nginx whose content may be empty). @default false */
  readonly tcpProbes?: boolean;
  /** Writable paths the workload mounts a claim at (no emptyDir for them). @default - none */
  readonly claimed?: readonly string[];
}

/**
 * The container props an image's facts decide: image, port, user and group, writable folders (an emptyDir
 * each, but those in `claimed`), arguments and (for an image with a health path) HTTP readiness and
 * liveness probes on it.
 */
export function runs(facts: ImageFacts, options: RunsOptions = {}) {
  const probe = facts.healthPath !== undefined && !options.tcpProbes ? { httpPath: facts.healthPath } : undefined;
  return {
    image: facts.image,
    containerPort: facts.port,
    runAsUser: facts.runAsUser,
    runAsGroup: facts.runAsGroup,
    writablePaths: facts.writablePaths.filter((p) => !options.claimed?.includes(p)),
    ...(facts.args ? { args: [...facts.args] } : {}),
    ...(probe ? { readiness: probe, liveness: { ...probe } } : {}),
  };
}
