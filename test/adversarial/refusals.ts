/**
 * The assertions every adversarial suite makes about a refusal: our error type (never a TypeError or a
 * stack from cdk8s), and a message naming the construct path, the field and the value.
 */
import { App } from 'cdk8s';
import { renderApp, show, SynthError, ValidationError } from '../../lib';

/** What `run` throws, or undefined. */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** Runs `build` and returns what it throws, failing when that is nothing, a TypeError or not our error. */
export function refusal(build: () => unknown): Error {
  const error = thrown(build);
  expect(error).toBeDefined();
  expect(error).not.toBeInstanceOf(TypeError);
  if (!(error instanceof ValidationError || error instanceof SynthError)) throw error;
  return error;
}

/** Runs `run` and checks the error: its type, never a TypeError, and every part of the message. */
export function expectRefused(run: () => unknown, type: typeof ValidationError | typeof SynthError, parts: string[]): void {
  const error = thrown(run);
  expect(error).toBeInstanceOf(type);
  expect(error).not.toBeInstanceOf(TypeError);
  for (const part of parts) expect((error as Error).message).toContain(part);
}

/** Renders and expects a SynthError with a problem that starts with `path` and names `field` and `value`. */
export function expectRenderRefusal(app: App, path: string, field: string, value: unknown): void {
  const error = thrown(() => renderApp(app));
  expect(error).toBeInstanceOf(SynthError);
  const problems = (error as SynthError).problems;
  const found = problems.filter((p) => p.startsWith(`${path}: `) && p.includes(`${field} ${show(value)}`));
  if (found.length === 0) expect(problems).toContain(`${path}: … ${field} ${show(value)} …`);
}

/** Expects a ValidationError whose message starts with `path: field value`. */
export function expectPropRefusal(build: () => unknown, path: string, field: string, value: unknown): void {
  const error = thrown(build);
  expect(error).toBeInstanceOf(ValidationError);
  expect((error as Error).message.startsWith(`${path}: ${field} ${show(value)} `)).toBe(true);
}
