/**
 * The machine-local cache of what is costly to make and the same every time: compiled CRD validators
 * (lib/checks/schema.ts), Helm renders and checked platforms (lib/cluster). Entries are named by a
 * content hash; a missing, unreadable or unwritable entry only costs time.
 */
import { isAscii } from 'buffer';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The folder holding `platform.lock.json` above this module (the package's root), or undefined. */
export function packageDir(): string | undefined {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'platform.lock.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The render cache folder: `$ONPREM_RENDER_CACHE`, or `.cache/onprem-k8s-constructs/renders` in the
 * `node_modules` that holds this package (or this repository's own), beside Helm's verified binary; never
 * a folder created in the working directory.
 */
export function renderCacheDir(): string {
  if (process.env.ONPREM_RENDER_CACHE) return process.env.ONPREM_RENDER_CACHE;
  const parts = __dirname.split(path.sep);
  const installed = parts.lastIndexOf('node_modules');
  const nodeModules = installed >= 0 ? parts.slice(0, installed + 1).join(path.sep) : path.join(packageDir() ?? os.tmpdir(), 'node_modules');
  return fs.existsSync(nodeModules)
    ? path.join(nodeModules, '.cache', 'onprem-k8s-constructs', 'renders')
    : path.join(os.tmpdir(), 'onprem-k8s-constructs-renders');
}

/** The text kept in the render cache under `name`, or undefined when it is not there (or unreadable). */
export function readCacheText(name: string): string | undefined {
  try {
    const bytes = fs.readFileSync(path.join(renderCacheDir(), name));
    // ASCII (as writeCache writes JSON) is read as Latin-1, the same characters at a third of UTF-8 decoding's cost.
    return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  } catch {
    return undefined;
  }
}

/** A value kept in the render cache under `name`, or undefined when it is not there (or unreadable). */
export function readCache<T>(name: string): T | undefined {
  const text = readCacheText(name);
  try {
    return text === undefined ? undefined : JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The entries {@link readShared} parsed in this process, newest last, by full path. */
const shared = new Map<string, unknown>();
/** How many parsed entries {@link readShared} keeps (a checked platform is an index and a file content per entry, up to a few MB each). */
export const SHARED_ENTRIES = 48;

/**
 * Like {@link readCache}, for a large entry read again and again in one process (a cluster's checked
 * platform, in every synth of a test run): parsed once, then the same deeply frozen value, so no reader can
 * change what the next one gets. Entries are named by content, so a kept value is never stale.
 */
export function readShared<T>(name: string): T | undefined {
  const file = path.join(renderCacheDir(), name);
  if (shared.has(file)) {
    const value = shared.get(file);
    shared.delete(file);
    shared.set(file, value);
    return value as T;
  }
  const value = readCache<T>(name);
  if (value === undefined) return undefined;
  shared.set(file, deepFreeze(value));
  if (shared.size > SHARED_ENTRIES) shared.delete(shared.keys().next().value!);
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** Keeps `text` in the render cache under `name` (written then renamed); a cache that cannot be written only costs time. */
export function writeCacheText(name: string, text: string): void {
  const file = path.join(renderCacheDir(), name);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(`${file}.${process.pid}.tmp`, text);
    fs.renameSync(`${file}.${process.pid}.tmp`, file);
  } catch {
    // not kept: the next run renders again
  }
}

/**
 * Keeps `value` in the render cache under `name`, as JSON in ASCII ({@link writeCacheText}): every other
 * character is written as its `\\u` escape, which JSON.parse reads back as the same character.
 */
export function writeCache(name: string, value: unknown): void {
  writeCacheText(name, JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/**
 * Deletes the render cache's entries of other versions of the code: entries are named
 * `<prefix><version>-<key>`; the entries of `version` and of the `others` most recently written other
 * versions stay (the compiled build and the tests' TypeScript are two versions of the same code; a branch
 * switched back to finds its own), every older version's entries go. A cache that cannot be pruned only costs space.
 */
export function pruneCache(prefix: string, version: string, others = 3): void {
  try {
    const dir = renderCacheDir();
    const newest = new Map<string, number>();
    const entries = fs.readdirSync(dir).filter((n) => n.startsWith(prefix)).map((name) => {
      const v = name.slice(prefix.length).split('-')[0];
      const mtime = fs.statSync(path.join(dir, name)).mtimeMs;
      newest.set(v, Math.max(newest.get(v) ?? 0, mtime));
      return { name, v };
    });
    const kept = new Set([version, ...[...newest].filter(([v]) => v !== version).sort((a, b) => b[1] - a[1]).slice(0, others).map(([v]) => v)]);
    for (const e of entries) if (!kept.has(e.v)) fs.rmSync(path.join(dir, e.name), { force: true });
  } catch {
    // nothing to prune
  }
}

