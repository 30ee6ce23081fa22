import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { repositoryOf } from '../lib/synth/git-repo';
import { tempDir } from './helpers';

/** Runs git in `cwd`; fails the test on an error. */
function git(cwd: string, ...args: string[]): string {
  const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.invalid', ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

/** What Git itself answers for `p` (run in its nearest existing folder): the top and the path inside it, or undefined. */
function gitsAnswer(p: string): { top: string; rel: string } | undefined {
  let cwd = p;
  while (!fs.existsSync(cwd)) cwd = path.dirname(cwd);
  const r = spawnSync('git', ['rev-parse', '--show-toplevel'], { cwd, encoding: 'utf8', env: process.env });
  if (r.status !== 0) return undefined;
  const top = fs.realpathSync(r.stdout.trim());
  return { top, rel: path.relative(top, path.join(fs.realpathSync(cwd), path.relative(cwd, p))).split(path.sep).join('/') };
}

describe('repositoryOf: the Git work tree of the output folder, found as Git finds it, without starting Git', () => {
  test('a repository, a folder in it, a folder that does not exist yet, a nested repository, a linked worktree, a symbolic link, no repository', () => {
    const base = tempDir('git-repo-');
    const repo = path.join(base, 'repo');
    fs.mkdirSync(path.join(repo, 'sub', 'deeper'), { recursive: true });
    git(repo, 'init', '-q');
    fs.writeFileSync(path.join(repo, 'sub', 'f'), 'x');
    git(repo, 'add', '.');
    git(repo, 'commit', '-qm', 'one');
    const nested = path.join(repo, 'sub', 'nested');
    fs.mkdirSync(nested);
    git(nested, 'init', '-q');
    const worktree = path.join(base, 'wt');
    git(repo, 'worktree', 'add', '-q', worktree);
    fs.mkdirSync(path.join(base, 'outside'));
    fs.symlinkSync(path.join(repo, 'sub'), path.join(base, 'link'));

    const cases = [repo, path.join(repo, 'sub'), path.join(repo, 'sub', 'deeper', 'dist'), path.join(repo, 'new', 'dist'),
      path.join(nested, 'dist'), path.join(worktree, 'dist'), path.join(base, 'link', 'dist'), path.join(base, 'outside', 'dist')];
    const answers = cases.map((p) => repositoryOf(p));
    expect(answers).toEqual(cases.map(gitsAnswer));
    // The facts behind that equality, so that it cannot hold by both sides being empty.
    expect(answers.map((a) => a && `${path.relative(base, a.top)} ${a.rel}`)).toEqual([
      'repo ', 'repo sub', 'repo sub/deeper/dist', 'repo new/dist', 'repo/sub/nested dist', 'wt dist', 'repo sub/dist', undefined,
    ]);
  });

  test('where Git refuses or moves what a plain walk would find, its answer is kept: a stray .git, a broken gitdir file, a bare repository, a Git folder, core.worktree', () => {
    const base = tempDir('git-repo-');
    const outer = path.join(base, 'outer');
    fs.mkdirSync(path.join(outer, 'sub', 'out'), { recursive: true });
    git(outer, 'init', '-q');
    // A .git folder with a HEAD but no objects or refs: Git goes on up to outer.
    fs.mkdirSync(path.join(outer, 'sub', '.git'));
    fs.writeFileSync(path.join(outer, 'sub', '.git', 'HEAD'), 'ref: refs/heads/main\n');
    // A worktree's .git file pointing nowhere: Git refuses it.
    fs.mkdirSync(path.join(base, 'stale'));
    fs.writeFileSync(path.join(base, 'stale', '.git'), 'gitdir: /nonexistent/worktrees/x\n');
    git(outer, 'init', '-q', '--bare', 'bare.git');
    const moved = path.join(base, 'moved');
    fs.mkdirSync(path.join(moved, 'tree'), { recursive: true });
    git(moved, 'init', '-q');
    git(moved, 'config', 'core.worktree', path.join(moved, 'tree'));

    const cases = [path.join(outer, 'sub', 'out', 'dist'), path.join(base, 'stale', 'dist'), path.join(outer, 'bare.git', 'dist'),
      path.join(outer, '.git', 'dist'), path.join(moved, 'tree', 'dist')];
    const answers = cases.map((p) => repositoryOf(p));
    expect(answers).toEqual(cases.map(gitsAnswer));
    expect(answers.map((a) => a && `${path.relative(base, a.top)} ${a.rel}`)).toEqual(['outer sub/out/dist', undefined, undefined, undefined, 'moved/tree dist']);
  });

  test('with a variable that changes Git\'s discovery set (GIT_CEILING_DIRECTORIES), Git is asked and its answer kept', () => {
    const repo = tempDir('git-repo-');
    fs.mkdirSync(path.join(repo, 'sub'));
    git(repo, 'init', '-q');
    const inside = path.join(repo, 'sub', 'dist');
    expect(repositoryOf(inside)?.rel).toBe('sub/dist');
    const saved = process.env.GIT_CEILING_DIRECTORIES;
    // Git does not go up into a ceiling folder, so from repo/sub it finds no repository.
    process.env.GIT_CEILING_DIRECTORIES = fs.realpathSync(repo);
    try {
      expect(repositoryOf(inside)).toBeUndefined();
      expect(repositoryOf(inside)).toEqual(gitsAnswer(inside));
    } finally {
      if (saved === undefined) delete process.env.GIT_CEILING_DIRECTORIES;
      else process.env.GIT_CEILING_DIRECTORIES = saved;
    }
  });
});
