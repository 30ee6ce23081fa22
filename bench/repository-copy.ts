import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

/**
 * Copies the repository's files (tracked or not ignored, as they are in the work tree) from `root` into the empty folder
 * `dest`, links the local installs it shares (node_modules; the verified platform files: `.platform-cache/`, else
 * `../shared/platform/`), and makes the copy a Git repository with one commit (the synth's GitOps objects point
 * into the repository, and the guard compares with the committed output).
 */
export function copyRepository(root: string, dest: string): void {
  const tracked = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 }).split('\0').filter(Boolean);
  for (const rel of tracked) {
    const from = path.join(root, rel);
    // Deleted in the work tree (not yet committed), or a link such as a linked node_modules: not the repository's files.
    if (!fs.existsSync(from) || !fs.lstatSync(from).isFile()) continue;
    fs.mkdirSync(path.dirname(path.join(dest, rel)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, rel));
  }
  fs.symlinkSync(fs.realpathSync(path.join(root, 'node_modules')), path.join(dest, 'node_modules'), 'dir');
  const platform = [path.join(root, '.platform-cache'), path.join(root, '..', 'shared', 'platform')].find((d) => fs.existsSync(d));
  if (platform) fs.symlinkSync(fs.realpathSync(platform), path.join(dest, '.platform-cache'), 'dir');
  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=recipes', '-c', 'user.email=recipes@example.invalid', ...args], { cwd: dest, stdio: 'pipe' });
  git('init', '-q');
  git('add', '-A');
  git('commit', '-q', '--no-verify', '-m', 'copy');
}
