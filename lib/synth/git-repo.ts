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
 * by another user, which `safe.directory` refuses, a `.git` that is no repository, a path inside a Git folder,
 * a work tree moved by the config, a file-system boundary crossed), Git is asked.
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
 * folder up to the root has a `.git` (Git finds no work tree either); undefined when only Git can tell: a
 * `.git` that is not plainly a repository of this user, a path inside a Git folder or a bare repository, a
 * repository whose config moves or drops its work tree (`core.worktree`, `core.bare`), a file-system boundary.
 */
function walkToTop(dir: string): string | null | undefined {
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  let device: number | undefined;
  for (let at = dir; ; at = path.dirname(at)) {
    const st = statOrUndefined(at);
    device ??= st?.dev;
    if (!st || st.dev !== device || path.basename(at) === '.git' || isGitFolder(at)) return undefined;
    const dotGit = path.join(at, '.git');
    const git = statOrUndefined(dotGit);
    if (git) {
      if (uid !== undefined && (git.uid !== uid || st.uid !== uid)) return undefined;
      const gitFolder = git.isDirectory() ? dotGit : git.isFile() ? gitdirOf(dotGit) : undefined;
      if (gitFolder === undefined || !isGitFolder(gitFolder) || movesWorkTree(gitFolder)) return undefined;
      return at;
    }
    if (path.dirname(at) === at) return null;
  }
}

/** lstat, or undefined when there is nothing there or it cannot be read (a path through a file). */
function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.lstatSync(p);
  } catch {
    return undefined;
  }
}

/** Whether a folder is a Git folder as Git's `is_git_directory` sees it: a HEAD, and objects and refs in its common folder. */
function isGitFolder(folder: string): boolean {
  if (!fs.existsSync(path.join(folder, 'HEAD'))) return false;
  const common = commonFolderOf(folder);
  return fs.existsSync(path.join(common, 'objects')) && fs.existsSync(path.join(common, 'refs'));
}

/** A Git folder's common folder: the one its `commondir` file names (a linked worktree's), else itself. */
function commonFolderOf(folder: string): string {
  const file = path.join(folder, 'commondir');
  return fs.existsSync(file) ? path.resolve(folder, fs.readFileSync(file, 'utf8').trim()) : folder;
}

/** The folder a `.git` file (`gitdir: <path>`, a linked worktree or a submodule) points at, or undefined. */
function gitdirOf(file: string): string | undefined {
  const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(file, 'utf8'));
  return m ? path.resolve(path.dirname(file), m[1].trim()) : undefined;
}

/** Whether a repository's config sets `core.worktree` or `core.bare` (Git then puts the work tree elsewhere, or nowhere). */
function movesWorkTree(gitFolder: string): boolean {
  const config = path.join(commonFolderOf(gitFolder), 'config');
  return fs.existsSync(config) && /^\s*(worktree|bare\s*=\s*true)/im.test(fs.readFileSync(config, 'utf8'));
}

/** `git rev-parse --show-toplevel` run in `dir`; null outside a work tree or without Git. */
function askGit(dir: string): string | null {
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd: dir, encoding: 'utf8', env: process.env });
  return r.status === 0 ? fs.realpathSync(r.stdout.trim()) : null;
}
