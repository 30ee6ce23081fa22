import * as fs from 'fs';
import * as path from 'path';
import { fail } from '../lib';
import { ROOT } from './helpers';

/** The 1-based number of the first line of `file` that contains `text`. */
function lineOf(file: string, text: string): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes(text));
  if (i < 0) throw new Error(`${file} has no line with ${text}`);
  return i + 1;
}

/** The line number the first frame of `file` in `stack` names. */
function frameLine(stack: string, file: string): number {
  const frame = stack.split('\n').find((l) => l.includes(`${file}:`));
  if (!frame) throw new Error(`no frame of ${file} in\n${stack}`);
  return Number(new RegExp(`${file.replace(/[.]/g, '\\.')}:(\\d+):\\d+`).exec(frame)![1]);
}

/** The stack of what `fn` throws. */
function stackOf(fn: () => void): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).stack ?? '';
  }
  throw new Error('nothing was thrown');
}

// test/ts-transform.js compiles with source maps (jest.config.js): a failing test names the TypeScript line, not the
// line of the compiled JavaScript (which is several lines further down: the import helpers come first).
describe('stack traces point at the TypeScript lines', () => {
  test('a throw in a test file', () => {
    const stack = stackOf(() => {
      throw new Error('thrown at a known line');
    });
    expect(frameLine(stack, path.join(ROOT, 'test/source-maps.test.ts'))).toBe(lineOf(__filename, "throw new Error('thrown at a known line')"));
  });

  test('a throw in lib/ (fail() in lib/checks/validation.ts, called from here)', () => {
    const stack = stackOf(() => fail('dev/web', 'port', 0, 'is not a port'));
    expect(frameLine(stack, path.join(ROOT, 'lib/checks/validation.ts'))).toBe(lineOf(path.join(ROOT, 'lib/checks/validation.ts'), 'throw new ValidationError(where, field, value, reason)'));
    expect(frameLine(stack, path.join(ROOT, 'test/source-maps.test.ts'))).toBe(lineOf(__filename, "fail('dev/web', 'port', 0, 'is not a port')"));
  });
});
