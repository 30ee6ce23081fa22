import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pruneCache, readCacheText, renderCacheDir, writeCacheText } from '../checks/cache';
import { checkPackagesIdentity, type Manifest, type PassedObjects } from '../checks';
import { isPureSchemaCheck, SchemaViolation, validateManifest } from '../checks/schema';
import { codeFingerprint } from '../cluster/cluster-platform';

/** How many objects the file keeps (44 characters and a newline each: about 2 MB); past it the oldest half goes. */
export const KEPT = 50_000;
/** A key as written: the base64 of a sha256. A torn or foreign line is not one and is dropped. */
const KEY = /^[A-Za-z0-9+/]{43}=$/;

/** The keys read or added in this process, by cache file path: read once, then shared by every synth. */
const known = new Map<string, Set<string>>();

/**
 * The objects that passed a check in an earlier synth of this code against the same schema packages, so that a
 * synth checks only the objects that changed: the schema check ({@link validateManifest}) and the checks whose
 * answer follows from the object alone (the CRD rules of imported CRDs: {@link PassedObjects}). Each pass is kept
 * in the render cache (`validated-<code>-<packages>.txt`) under the sha256 of the check's name (with the
 * Kubernetes version for the schema check) and the object's JSON. These checks are pure functions of those, of
 * this library's code and imports and of the packages they run and every package those depend on ({@link checkPackagesIdentity}), all in the key or
 * the file name (the imported CRDs as their files hold them: a change made in memory is not seen), so an object
 * found there gets the answer it got then: none. Problems are never kept, a schema
 * registered at runtime is always checked ({@link isPureSchemaCheck}), and `ONPREM_CHECK_CACHE=off` checks
 * everything every time.
 */
export class ValidatedObjects implements PassedObjects {
  /** The kept objects for this code and these schema packages, or an always-checking stand-in with the cache off. */
  public static forThisCode(): ValidatedObjects {
    if (process.env.ONPREM_CHECK_CACHE === 'off') return new ValidatedObjects(undefined, undefined);
    const fingerprint = codeFingerprint();
    const salt = crypto.createHash('sha256').update(checkPackagesIdentity()).digest('hex');
    return new ValidatedObjects(fingerprint.slice(0, 16), `validated-${fingerprint.slice(0, 16)}-${salt.slice(0, 16)}.txt`);
  }

  private readonly keys: Set<string>;
  private readonly added: string[] = [];

  private constructor(private readonly code: string | undefined, private readonly name: string | undefined) {
    const file = name === undefined ? undefined : path.join(renderCacheDir(), name);
    let keys = file === undefined ? new Set<string>() : known.get(file);
    if (!keys) {
      keys = new Set((readCacheText(name!) ?? '').split('\n').filter((l) => KEY.test(l)));
      known.set(file!, keys);
    }
    this.keys = keys;
  }

  /** The schema violations of `manifest` on a cluster of Kubernetes `version`: none when it passed before, else {@link validateManifest}'s. */
  public validate(manifest: Manifest, version: string): SchemaViolation[] {
    if (!isPureSchemaCheck(manifest.apiVersion, manifest.kind)) return validateManifest(manifest, version);
    return this.problems(`schema ${version}`, manifest, () => validateManifest(manifest, version));
  }

  public problems<T>(check: string, manifest: Manifest, run: () => T[]): T[] {
    const json = this.name === undefined ? undefined : faithfulJson(manifest);
    if (json === undefined) return run();
    const key = crypto.createHash('sha256').update(`${check}\n`).update(json).digest('base64');
    if (this.keys.has(key)) return [];
    const problems = run();
    if (problems.length === 0) {
      this.keys.add(key);
      this.added.push(key);
    }
    return problems;
  }

  /**
   * Keeps the objects that passed for the next synth: appended to the file (a line per object, so concurrent
   * synths only add lines), which is rewritten with the newest half once it holds more than {@link KEPT}.
   * Called once the synth wrote its output. A cache that cannot be written only costs time.
   */
  public remember(): void {
    if (this.name === undefined || this.added.length === 0) return;
    const file = path.join(renderCacheDir(), this.name);
    try {
      if (!fs.existsSync(file)) pruneCache('validated-', this.code!);
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.appendFileSync(file, `${this.added.join('\n')}\n`);
      this.added.length = 0;
      if (this.keys.size > KEPT) {
        const newest = [...this.keys].slice(-KEPT / 2);
        this.keys.clear();
        for (const k of newest) this.keys.add(k);
        writeCacheText(this.name, `${newest.join('\n')}\n`);
      }
    } catch {
      // not kept: the next synth checks these objects again
    }
  }
}

/**
 * The object's JSON when it holds everything the check sees: undefined when a value JSON cannot tell apart from
 * another (`undefined`, which it drops; `NaN` or an infinity, which it writes as null; a bigint, a function, a
 * symbol, or an object that is no plain object or array), so that such an object is always checked.
 */
function faithfulJson(manifest: Record<string, any>): string | undefined {
  let faithful = true;
  const text = JSON.stringify(manifest, function (this: Record<string, unknown>, key: string, value: unknown) {
    const original = this[key];
    const proto = typeof original === 'object' && original !== null ? Object.getPrototypeOf(original) : undefined;
    if (original === undefined || (typeof original === 'number' && !Number.isFinite(original)) || ['bigint', 'function', 'symbol'].includes(typeof original)
      || (proto !== undefined && proto !== Object.prototype && proto !== Array.prototype && proto !== null)) {
      faithful = false;
      return null;
    }
    return value;
  });
  return faithful ? text : undefined;
}
