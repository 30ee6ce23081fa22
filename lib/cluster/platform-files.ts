/**
 * The pinned platform files (charts, CRD manifests) as the synth reads them: located in a verified local
 * copy and checked against the sha256 that `platform.lock.json` records, every time they are read.
 * Nothing is downloaded; `npm run platform:fetch` fills `.platform-cache/` from `../shared/platform/`.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { packageDir } from '../checks/cache';

/** One pinned file of a component, as `platform.lock.json` records it. */
export interface LockedFile {
  /** File name inside the component's folder. */
  readonly name: string;
  /** Its sha256. */
  readonly sha256: string;
}

/** One component of `platform.lock.json` (the fields the synth uses). */
export interface LockedComponent {
  /** Its id (a key of `PLATFORM_COMPONENTS`). */
  readonly id: string;
  /** Its folder under the cache and `../shared/platform/`. */
  readonly folder: string;
  /** Upstream name. */
  readonly name: string;
  /** Pinned version. */
  readonly version: string;
  /** The namespace it is installed in. @default - cluster-scoped only */
  readonly namespace?: string;
  /** The Pod Security level that namespace needs. @default - no pods */
  readonly podSecurity?: string;
  /** Its pinned files. */
  readonly files: readonly LockedFile[];
}

/** A missing or altered platform file: the message says where it comes from and what to do. */
export class PlatformFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PlatformFileError';
  }
}

/** The folder holding `platform.lock.json`: this package's root (from `lib/cluster` or `build/lib/cluster`). */
export function packageRoot(): string {
  const root = packageDir();
  if (root === undefined) throw new PlatformFileError(`platform.lock.json not found above ${__dirname}; reinstall the package`);
  return root;
}

let lockCache: ReadonlyMap<string, LockedComponent> | undefined;

/** The components of `platform.lock.json`, by id. */
export function platformLock(): ReadonlyMap<string, LockedComponent> {
  if (!lockCache) {
    const lock = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'platform.lock.json'), 'utf8')) as { components: LockedComponent[] };
    lockCache = new Map(lock.components.map((c) => [c.id, c]));
  }
  return lockCache;
}

/**
 * Folders searched for `<folder>/<file>`, in order: `$ONPREM_PLATFORM_DIR` when set, `.platform-cache/` of
 * the working folder and of this package's root, then `../shared/platform/` beside each.
 */
export function platformSearchPath(): string[] {
  const roots = [...new Set([process.cwd(), packageRoot()])];
  const dirs = [process.env.ONPREM_PLATFORM_DIR, ...roots.map((r) => path.join(r, '.platform-cache')), ...roots.map((r) => path.join(r, '..', 'shared', 'platform'))];
  return [...new Set(dirs.filter((d): d is string => typeof d === 'string' && d !== ''))];
}

const verified = new Map<string, Uint8Array>();
/** Marks the default search path ({@link platformSearchPath}, read when used), the only one whose reads are kept. */
const DEFAULT_SEARCH_PATH: readonly string[] = [];

/**
 * The bytes of a pinned file, from the first folder of {@link platformSearchPath} that holds a copy whose
 * sha256 matches the lock. A copy with another digest is never used; none at all is a PlatformFileError.
 * @param searchPath the folders to look in (a verified read is then not kept) @default platformSearchPath(), verified reads kept for the process
 */
export function platformFile(componentId: string, name: string, searchPath: readonly string[] = DEFAULT_SEARCH_PATH): Uint8Array {
  const c = platformLock().get(componentId);
  const f = c?.files.find((x) => x.name === name);
  if (!c || !f) throw new PlatformFileError(`platform.lock.json pins no file ${name} for component ${componentId}`);
  const key = `${c.folder}/${f.name}`;
  const cached = searchPath === DEFAULT_SEARCH_PATH;
  const known = cached ? verified.get(key) : undefined;
  if (known) return known;
  const seen: string[] = [];
  const dirs = cached ? platformSearchPath() : searchPath;
  for (const dir of dirs) {
    const file = path.join(dir, c.folder, f.name);
    if (!fs.existsSync(file)) continue;
    const data = fs.readFileSync(file);
    const digest = crypto.createHash('sha256').update(data).digest('hex');
    if (digest === f.sha256) {
      if (cached) verified.set(key, data);
      return data;
    }
    seen.push(`${file} has sha256 ${digest}`);
  }
  throw new PlatformFileError(`${c.name} ${c.version}: no verified copy of ${key} (sha256 ${f.sha256})`
    + `${seen.length > 0 ? `; refused: ${seen.join(', ')}` : ''}; looked in ${dirs.join(', ')}. `
    + 'Run `npm run platform:fetch` (it copies the pinned files from ../shared/platform/ into .platform-cache/ and verifies them), '
    + 'or set ONPREM_PLATFORM_DIR to a folder holding <component>/<file>.');
}

/** The sha256 the lock records for a pinned file. */
export function platformFileDigest(componentId: string, name: string): string {
  const f = platformLock().get(componentId)?.files.find((x) => x.name === name);
  if (!f) throw new PlatformFileError(`platform.lock.json pins no file ${name} for component ${componentId}`);
  return f.sha256;
}
