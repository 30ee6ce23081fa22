import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/** The Git work tree holding a path: its top folder and the path inside it. */
export interface RepositoryPlace {
  /** The work tree's top folder, symbolic links resolved (what `git rev-parse --show-toplevel` prints). */
  readonly top: string;
  /** The path relative to `top`, with `/` separators (`''` for the top itself; starts with `..` when outside). */
  readonly rel: string;
}

/** Environment variables that change how Git finds its repository: with any of them set, Git itself is asked. */
const DISCOVERY_VARIABLES = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_CEILING_DIRECTORIES', 'GIT_DISCOVERY_ACROSS_FILESYSTEM', 'GIT_COMMON_DIR'];

/**
 * The Git work tree holding `p` (which need not exist yet), or undefined when it is in none.
 *
 * Git's discovery (setup.c, `setup_git_directory_gently_1`) walks up from the folder to the first one with a
 * `.git` folder or `gitdir:` file; this walk does the same without starting a process (a synth used to spend
 * a `git rev-parse` on every run). Where Git could answer differently (a discovery variable set, a `.git` owned
 * by another user, which `safe.directory` refuses, a file-system boundary crossed, or no `.git` at all), Git is asked.
 */
export function repositoryOf(p: string): RepositoryPlace | undefined {
  let existing = path.resolve(p);
  while (!fs.existsSync(existing) && path.dirname(existing) !== existing) existing = path.dirname(existing);
  const realExisting = fs.realpathSync(existing);
  const real = path.join(realExisting, path.relative(existing, path.resolve(p)));
  const walked = DISCOVERY_VARIABLES.some((v) => process.env[v] !== undefined) ? undefined : walkToTop(realExisting);
  const found = walked === undefined ? askGit(existing) : walked;
  if (found === null) return undefined;
  return { top: found, rel: path.relative(found, real).split(path.sep).join('/') };
}

/**
 * The first folder from `dir` up holding a `.git` Git would accept without asking anything else; null when no
 * folder up to the root has a `.git` (Git finds no work tree either); undefined when only Git can tell.
 */
function walkToTop(dir: string): string | null | undefined {
  const device = fs.statSync(dir).dev;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  for (let at = dir; ; at = path.dirname(at)) {
    const st = fs.statSync(at, { throwIfNoEntry: false });
    if (!st || st.dev !== device) return undefined;
    const git = fs.lstatSync(path.join(at, '.git'), { throwIfNoEntry: false });
    if (git && (uid === undefined || git.uid === uid)) {
      if (git.isDirectory() && fs.existsSync(path.join(at, '.git', 'HEAD'))) return at;
      if (git.isFile() && fs.readFileSync(path.join(at, '.git'), 'utf8').startsWith('gitdir: ')) return at;
    }
    if (git) return undefined;
    if (path.dirname(at) === at) return null;
  }
}

/** `git rev-parse --show-toplevel` run in `dir`; null outside a work tree or without Git. */
function askGit(dir: string): string | null {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', env: process.env });
  return r.status === 0 ? fs.realpathSync(r.stdout.trim()) : null;
}
