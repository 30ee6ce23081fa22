/**
 * `npm run watch [-- synth options]`: compiles and synthesizes once, then again after every change of a source
 * or of platform.lock.json, for as long as it runs (Ctrl-C ends it). Each synth is `npm run synth`'s, with the same options and the same
 * guarantees (a failed synth leaves the output as it was); a type error stops it before the synth, as there.
 *
 * Why it is fast: TypeScript keeps its program in memory and compiles only what changed (about 0.1 s for an
 * environment, where `tsc -b` parses the whole program again, about 3 s), and the synth runs in a process
 * started ahead of time that already holds the modules the last synth loaded (cdk8s, cdk8s-plus-27, yaml and
 * the compiled library: 40 % of a synth's time), all but main.js and the environments (the data, edited most).
 * Each synth still has a process of its own, which loads the environments as they are at that moment; a
 * process holding a file that changed since it loaded it is not used. So what it writes is what
 * `npm run synth` writes.
 *
 *   node scripts/watch.js [synth options]
 */
const { fork } = require('child_process');
const { EventEmitter } = require('events');
const os = require('os');
const path = require('path');

const ROOT = path.dirname(__dirname);
const CONFIG = 'tsconfig.app.json';
const WORKER = path.join(__dirname, 'synth-worker.js');
/**
 * How long after a change TypeScript waits for more before it compiles (its own default is 250 ms): a save
 * often writes several files, or a file twice; a checkout many.
 */
const DELAY_MS = 100;
/** The file of pinned platform releases the synth reads at run time (lib/cluster/platform-files.ts). */
const LOCK_FILE = 'platform.lock.json';
/** The exit code of a synth refused for its command line: every later synth would be refused too. */
const USAGE_EXIT = 2;

/**
 * Starts watching `root` (its `config`, whose compiled build/main.js is the synth) and returns an emitter:
 * - `compiled` ({ errors }) after each compile;
 * - `worker` (its pid) when a synth process starts;
 * - `synth` ({ status, ms, preloaded, replaced, sinceChange }) after each synth: its exit code and time, whether
 *   its process held the modules before it started, whether the process started ahead held a file that had
 *   changed since (so a fresh one ran the synth), and the time since the change was seen;
 * - `stopped` (the exit code `npm run watch` ends with);
 * and `close(code)`, which returns a promise of that code.
 */
function watch({ root = ROOT, config = CONFIG, argv = [], delay = DELAY_MS, stdio = 'inherit', out = process.stdout, command } = {}) {
  const ts = require(require.resolve('typescript', { paths: [root] }));
  const events = new EventEmitter();
  const main = path.join(root, 'build', 'main.js');
  const log = (line) => out.write(`[${new Date().toTimeString().slice(0, 8)}] ${line}\n`);
  const host = {
    getCurrentDirectory: () => root,
    getCanonicalFileName: (f) => f,
    getNewLine: () => '\n',
  };

  /** The modules the last synth loaded (packages and the compiled library): what the next process loads ahead. */
  let packages = [];
  let spare;
  let running;
  let again = false;
  let changeSeen;
  /** The errors of the last compile: while there are any, nothing is synthesized. */
  let errors = 0;
  let closing;

  /** A synth process, started now, loading `preload`; `ready` once it has. */
  const startWorker = (preload) => {
    const child = fork(WORKER, [], { cwd: process.cwd(), stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe', 'ipc'] });
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 0)));
      // Not started at all (no process left to fork): a failed synth.
      child.once('error', () => resolve(1));
    });
    const worker = { child, preloaded: preload.length > 0, stale: false, exited };
    if (stdio !== 'inherit') {
      child.stdout.on('data', (d) => events.emit('output', d.toString()));
      child.stderr.on('data', (d) => events.emit('output', d.toString()));
    }
    child.on('message', (m) => {
      if (m.done) packages = m.loaded;
      if (m.stale) worker.stale = true;
    });
    child.send({ preload });
    events.emit('worker', child.pid);
    return worker;
  };

  const synth = async () => {
    // A spare that ended (killed) cannot run.
    if (spare && !spare.child.connected) spare = undefined;
    let worker = spare ?? startWorker(packages);
    spare = undefined;
    const seen = changeSeen;
    changeSeen = undefined;
    const started = Date.now();
    worker.child.send({ synth: { main, argv, program: command } });
    running = worker.exited;
    let status = await running;
    const replaced = worker.stale;
    if (replaced) {
      // It holds a file that changed since it loaded it: a fresh process loads the files as they are now.
      worker = startWorker(packages);
      worker.child.send({ synth: { main, argv, program: command } });
      running = worker.exited;
      status = await running;
    }
    running = undefined;
    const ms = Date.now() - started;
    const sinceChange = seen === undefined ? undefined : Date.now() - seen;
    events.emit('synth', { status, ms, preloaded: worker.preloaded, replaced, sinceChange });
    if (status === USAGE_EXIT) return stop(USAGE_EXIT);
    const outcome = status === 0 ? 'synthesized' : status > 128 ? `the synth was stopped (exit code ${status})` : `the synth failed (exit code ${status})`;
    log(`${outcome} in ${(ms / 1000).toFixed(2)} s${sinceChange === undefined ? '' : `, ${(sinceChange / 1000).toFixed(2)} s after the change was seen`}${closing ? '' : '; watching for changes'}.`);
    if (closing) return undefined;
    if (again) {
      again = false;
      return synth();
    }
    spare = startWorker(packages);
    return undefined;
  };

  const request = () => {
    if (closing) return;
    if (running) again = true;
    else void synth();
  };

  const watchHost = ts.createWatchCompilerHost(
    path.join(root, config),
    {},
    ts.sys,
    ts.createEmitAndSemanticDiagnosticsBuilderProgram,
    (diagnostic) => out.write(ts.formatDiagnostic(diagnostic, host)),
    (diagnostic, _newLine, _options, errorCount) => {
      const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (errorCount === undefined) {
        // 6032: "File change detected. Starting incremental compilation..."
        if (diagnostic.code === 6032) changeSeen ??= Date.now();
        log(text);
        return;
      }
      errors = errorCount;
      events.emit('compiled', { errors: errorCount });
      if (errorCount > 0) {
        log(`${text.replace(/ Watching for file changes\.$/, '')} Not synthesized: the output is as it was; watching for changes.`);
        changeSeen = undefined;
      } else {
        log(text.replace(/ Watching for file changes\.$/, ' Synthesizing...'));
        request();
      }
    },
  );
  const setTimeout = watchHost.setTimeout;
  watchHost.setTimeout = (callback, _ms, ...args) => setTimeout(callback, delay, ...args);
  // Started once the caller has its listeners on.
  let compiler;
  let lockWatcher;
  let lockTimer;
  setImmediate(() => {
    if (closing) return;
    compiler = ts.createWatchProgram(watchHost);
    // The synth reads platform.lock.json (the pinned platform releases) itself: no compile sees its change.
    lockWatcher = watchHost.watchFile(path.join(root, LOCK_FILE), () => {
      changeSeen ??= Date.now();
      clearTimeout(lockTimer);
      lockTimer = setTimeout(() => {
        if (errors > 0) {
          log(`${LOCK_FILE} changed, but the sources have errors. Not synthesized: the output is as it was; watching for changes.`);
          changeSeen = undefined;
          return;
        }
        log(`${LOCK_FILE} changed. Synthesizing...`);
        request();
      }, delay);
    });
  });

  let stopped;
  const stop = async (code) => {
    if (stopped) return stopped;
    closing = true;
    compiler?.close();
    lockWatcher?.close();
    clearTimeout(lockTimer);
    spare?.child.kill();
    stopped = Promise.all([running, spare?.exited]).then(() => {
      events.emit('stopped', code);
      return code;
    });
    return stopped;
  };
  events.close = (code = 0) => stop(code);
  return events;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`usage: node scripts/watch.js [synth options]   (npm run watch [-- synth options])

Compiles and synthesizes once, then again after every saved change of a source or of platform.lock.json,
until Ctrl-C. The synth options are npm run synth's (npm run synth -- --help lists them) and apply to every
synth; the first synth checks them. A type error or a refused synth leaves the output as it was, and the
watch goes on.

exit codes:
  2    a synth refused its command line (the synth options): the problem and the synth's usage on stderr
  130  ended by Ctrl-C (SIGINT), once a synth under way has finished; 143 the same for SIGTERM
`);
  } else {
    const events = watch({ argv, command: path.relative(process.cwd(), __filename) || __filename });
    events.on('stopped', (code) => process.exit(code));
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) process.on(signal, () => void events.close(code));
  }
}

module.exports = { watch };
