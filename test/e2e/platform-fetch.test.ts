import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from '../helpers';

describe('npm run platform:fetch, as a real process against a temporary copy', () => {
  /** A temporary repository (the script and the lock) with `shared/platform` beside it holding the pinned files. */
  function setup(): { repo: string; shared: string; cache: string } {
    const dir = tempDir('platform-fetch-');
    const repo = path.join(dir, 'repo');
    const shared = path.join(dir, 'shared/platform');
    fs.mkdirSync(path.join(repo, 'scripts'), { recursive: true });
    for (const f of ['platform-fetch.js', 'cli-args.js']) fs.copyFileSync(path.join(ROOT, 'scripts', f), path.join(repo, 'scripts', f));
    fs.copyFileSync(path.join(ROOT, 'platform.lock.json'), path.join(repo, 'platform.lock.json'));
    // Small stand-ins with their digests in a lock of the same shape (the real files are checked above).
    const lock = JSON.parse(fs.readFileSync(path.join(repo, 'platform.lock.json'), 'utf8'));
    for (const c of lock.components) {
      fs.mkdirSync(path.join(shared, c.folder), { recursive: true });
      for (const f of c.files) {
        const text = `${c.folder}/${f.name}\n`;
        fs.writeFileSync(path.join(shared, c.folder, f.name), text);
        f.sha256 = crypto.createHash('sha256').update(text).digest('hex');
      }
    }
    fs.writeFileSync(path.join(repo, 'platform.lock.json'), JSON.stringify(lock));
    return { repo, shared, cache: path.join(repo, '.platform-cache') };
  }
  const run = (repo: string) => spawnSync(process.execPath, ['scripts/platform-fetch.js'], { cwd: repo, encoding: 'utf8' });
  /** Every file under dir with its content and modification time. */
  const snapshot = (dir: string): Record<string, string> => {
    const out: Record<string, string> = {};
    if (!fs.existsSync(dir)) return out;
    for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
      const p = path.join(dir, f);
      if (fs.statSync(p).isFile()) out[f] = `${fs.readFileSync(p, 'utf8')}@${fs.statSync(p).mtimeMs}`;
    }
    return out;
  };

  test('a good run copies and verifies every file; a second run changes nothing', () => {
    const { repo, cache } = setup();
    const first = run(repo);
    expect(first.status).toBe(0);
    expect(first.stdout).toContain('platform:fetch: 15 files in .platform-cache match platform.lock.json (15 copied)');
    const after = snapshot(cache);
    expect(Object.keys(after)).toHaveLength(15);
    const second = run(repo);
    expect(second.status).toBe(0);
    expect(second.stdout).toContain('(0 copied)');
    expect(snapshot(cache)).toEqual(after);
  });

  test('a corrupted file is refused, naming it and both digests; nothing is kept, not even the good files', () => {
    const { repo, shared, cache } = setup();
    const bad = path.join(shared, 'cert-manager/cert-manager-v1.21.1.tgz');
    const expected = crypto.createHash('sha256').update(fs.readFileSync(bad)).digest('hex');
    fs.writeFileSync(bad, 'tampered\n');
    const r = run(repo);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`cert-manager/cert-manager-v1.21.1.tgz: sha256 mismatch: expected ${expected}, got ${crypto.createHash('sha256').update('tampered\n').digest('hex')}`);
    expect(Object.keys(snapshot(cache))).toEqual([]);
  });

  test('a corrupted file is refused and the existing cache stays as it was', () => {
    const { repo, shared, cache } = setup();
    expect(run(repo).status).toBe(0);
    fs.writeFileSync(path.join(cache, 'metallb/metallb-0.16.1.tgz'), 'damaged cache\n');
    fs.writeFileSync(path.join(shared, 'metallb/metallb-0.16.1.tgz'), 'tampered\n');
    const before = snapshot(cache);
    const r = run(repo);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('metallb/metallb-0.16.1.tgz: sha256 mismatch');
    expect(snapshot(cache)).toEqual(before);
  });

  test('missing shared copies: it says what to do and changes nothing', () => {
    const { repo, shared, cache } = setup();
    fs.rmSync(path.join(shared, 'ingress-nginx'), { recursive: true });
    const r = run(repo);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('1 pinned file(s) are missing from ../shared/platform; nothing was changed.');
    expect(r.stderr).toContain('ingress-nginx-4.15.1.tgz: expected sha256');
    expect(r.stderr).toContain('https://github.com/kubernetes/ingress-nginx at helm-chart-4.15.1');
    expect(fs.existsSync(cache)).toBe(false);
  });
});
