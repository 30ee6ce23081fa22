import { ChildProcess } from 'child_process';

/** The output of a running child process (stdout and stderr, as they arrive), and a wait for a pattern in it. */
export interface ChildOutput {
  /** Everything the child wrote so far. */
  text(): string;
  /**
   * Resolves with the index just past the first match of `pattern` in the output after `from` characters (default:
   * what is there now), once it arrives; rejects after `ms` milliseconds, with the end of the output.
   */
  waitFor(pattern: RegExp, from?: number, ms?: number): Promise<number>;
}

/** Reads the output of `child` (spawned with piped stdout and stderr) from now on. */
export function childOutput(child: ChildProcess): ChildOutput {
  let text = '';
  child.stdout!.on('data', (d) => { text += d; });
  child.stderr!.on('data', (d) => { text += d; });
  return {
    text: () => text,
    waitFor: (pattern, from = text.length, ms = 60_000) => new Promise((resolve, reject) => {
      const check = () => {
        const m = pattern.exec(text.slice(from));
        if (!m) return false;
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(from + m.index + m[0].length);
        return true;
      };
      const timer = setTimeout(() => {
        child.stdout!.off('data', check);
        reject(new Error(`no ${pattern} within ${ms} ms; the output was:\n${text.slice(-4000)}`));
      }, ms);
      // After the listener above that appends the data: a check sees the chunk that arrived.
      if (!check()) child.stdout!.on('data', check);
    }),
  };
}
