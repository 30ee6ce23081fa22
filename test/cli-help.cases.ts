import { App } from 'cdk8s';
import { runCliInProcess } from './helpers';

/** Runs the synth CLI in this process with an app that must not be built. */
const synthCli = (...argv: string[]) => runCliInProcess((): App => { throw new Error('the app was built'); }, argv);

describe('the synth CLI (build/main.js, runSynthCli): --help, and a bad command line refused with the usage', () => {
  test.each([['--help'], ['-h'], ['--env', 'dev', '--help']])('%s prints the usage, every option and the exit codes; builds nothing', (...argv) => {
    const r = synthCli(...argv);
    expect([r.status, r.stderr]).toEqual([0, '']);
    for (const text of ['usage: ', '--env <name>', '--cluster <name>', '--outdir <dir>', '--allow-destroy <Kind/namespace/name>', '--report <file>', '--map', 'exit codes:', '2  bad command line']) {
      expect(r.stdout).toContain(text);
    }
  });

  test('--map --help prints the map usage', () => {
    const r = synthCli('--map', '--help');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('--readme <file>');
    expect(r.stdout).toContain('exit codes:');
  });

  test.each([
    [['--bogus'], 'unknown argument "--bogus"'],
    [['--outdir'], '--outdir needs a value'],
    [['--env', '--outdir', 'x'], '--env needs a value'],
    [['--map', '--bogus'], 'unknown argument "--bogus" (known: --env <name>[,<name>], --readme <file>, --help)'],
  ])('%j: exit 2, the problem and the usage on stderr, nothing built', (argv, problem) => {
    const r = synthCli(...argv);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(problem);
    expect(r.stderr).toContain('nothing was done.');
    expect(r.stderr).toContain('usage: ');
    expect(r.stderr).not.toContain('the app was built');
  });
});

