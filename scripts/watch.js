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
 * `npm run synth` writes. TypeScript does not compile while a
 * synth runs (a change seen then is compiled when it ends): the synth never loads a half-written build.
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
/** How long after a first SIGINT or SIGTERM another one is the same (npm run forwards the terminal's to its child). */
const REPEAT_MS = 500;
/** The file of pinned platform releases the synth reads at run time (lib/cluster/platform-files.ts). */
const LOCK_FILE = 'platform.lock.json';
/** The exit code of a synth refused for its command line: every later synth would be refused too. */
const USAGE_EXIT = 2;

/**
 * Starts watching `root` (its `config`, whose compiled build/main.js is the synth) and returns an emitter:
 * - `compiled` ({ errors }) after each compile;
 * - `worker` (its pid) when a synth process starts, `ready` (its pid) once it has loaded the modules it loads ahead;
 * - `synth` ({ status, ms, preloaded, replaced, sinceChange }) after each synth: its exit code and time, whether
 *   its process held the modules before it started, whether the process started ahead held a file that had
 *   changed since (so a fresh one ran the synth), and the time since the change was seen;
 * - `stopped` (the exit code `npm run watch` ends with);
 * with `close(code)` (returns a promise of that code, settled once a synth under way has finished; called again,
 * it stops that synth) and `kill()` (kills its synth processes at once).
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
  /** The synth under way: its worker. */
  let running;
  let changeSeen;
  /** The errors of the last compile: while there are any, nothing is synthesized. */
  let errors = 0;
  let closing;
  /** TypeScript's timers (its compile after a change) that fired while a synth ran: they run when it ends. */
  const deferred = new Set();

  /** A synth process, started now, loading `preload`; `ready` once it has. */
  const startWorker = (preload) => {
    const child = fork(WORKER, [], { cwd: process.cwd(), stdio: stdio === 'inherit' ? 'inherit' : ['ignore', 'pipe', 'pipe', 'ipc'] });
    const exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? 128 + (os.constants.signals[signal] ?? 0)));
      child.on('error', (e) => {
        // Not started at all (no node to run, no process left to fork): a failed synth, with the reason.
        if (child.pid === undefined) log(`the synth process could not be started: ${e.message}`);
        resolve(1);
      });
    });
    const worker = { child, preloaded: preload.length > 0, stale: false, exited };
    if (stdio !== 'inherit') {
      child.stdout.on('data', (d) => events.emit('output', d.toString()));
      child.stderr.on('data', (d) => events.emit('output', d.toString()));
    }
    child.on('message', (m) => {
      if (m.done) packages = m.loaded;
      if (m.stale) worker.stale = true;
      if (m.ready) events.emit('ready', child.pid);
    });
    child.send({ preload });
    events.emit('worker', child.pid);
    return worker;
  };

  /** Tells `worker` to synthesize; its exit code once it has ended. */
  const runOn = (worker) => {
    worker.child.send({ synth: { main, argv, program: command } });
    running = worker;
    return worker.exited;
  };

  const synth = async () => {
    // A spare that ended (killed) cannot run.
    if (spare && !spare.child.connected) spare = undefined;
    let worker = spare ?? startWorker(packages);
    spare = undefined;
    const seen = changeSeen;
    changeSeen = undefined;
    const started = Date.now();
    let status = await runOn(worker);
    const replaced = worker.stale;
    if (replaced && closing) {
      running = undefined;
      log('Not synthesized: the watch is ending.');
      return undefined;
    }
    if (replaced) {
      // It holds a file that changed since it loaded it: a fresh process loads the files as they are now.
      worker = startWorker(packages);
      status = await runOn(worker);
    }
    running = undefined;
    const ms = Date.now() - started;
    const sinceChange = seen === undefined ? undefined : Date.now() - seen;
    events.emit('synth', { status, ms, preloaded: worker.preloaded, replaced, sinceChange });
    if (status === USAGE_EXIT) return stop(USAGE_EXIT);
    const outcome = status === 0 ? 'synthesized' : status > 128 ? `the synth was stopped (exit code ${status})` : `the synth failed (exit code ${status})`;
    log(`${outcome} in ${(ms / 1000).toFixed(2)} s${sinceChange === undefined ? '' : `, ${(sinceChange / 1000).toFixed(2)} s after the change was seen`}${closing ? '.' : '; watching for changes.'}`);
    if (closing) return undefined;
    spare = startWorker(packages);
    // The compiles of the changes seen meanwhile: one without errors asks for the next synth.
    const waiting = [...deferred];
    deferred.clear();
    for (const timer of waiting) timer.run();
    return undefined;
  };

  // A compile runs for a while without giving way (seconds, the first one): a Ctrl-C pressed meanwhile waits.
  // The synth starts on the next turn, after any such signal has been handled: a watch told to end does not
  // write once more.
  const request = () =>
    setImmediate(() => {
      if (!closing && !running) void synth();
    });

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
  // A JSON file a source imports: TypeScript's (5.9) default watcher of a file (fs events on the file itself) never
  // reports its change, so it would be neither compiled nor synthesized; watched through its folder, it is.
  const watchFile = watchHost.watchFile;
  watchHost.watchFile = (file, callback, interval, options) =>
    watchFile(file, callback, interval, file.endsWith('.json') ? { ...options, watchFile: ts.WatchFileKind.UseFsEventsOnParentDirectory } : options);
  // TypeScript schedules its compile `delay` ms after a change (a timer per kind, cleared when rescheduled). One
  // that fires while a synth runs waits for its end: the synth process is loading build/, which a compile writes.
  watchHost.setTimeout = (callback, _ms, ...args) => {
    // The compile a change calls for (TypeScript names its timers; other timers, such as the one a write of the
    // output wakes, may compile nothing): the change is seen now, though it may be compiled after a synth.
    if (args[0] === 'timerToUpdateProgram') changeSeen ??= Date.now();
    const timer = { run: () => callback(...args) };
    timer.handle = setTimeout(() => (running ? deferred.add(timer) : timer.run()), delay);
    return timer;
  };
  watchHost.clearTimeout = (timer) => {
    clearTimeout(timer.handle);
    deferred.delete(timer);
  };
  // Started once the caller has its listeners on.
  let compiler;
  let lockWatcher;
  let lockTimer;
  setImmediate(() => {
    if (closing) return;
    compiler = ts.createWatchProgram(watchHost);
    // The synth reads platform.lock.json (the pinned platform releases) itself: no compile sees its change. It is
    // scheduled as a compile is (after `delay`, waiting for a synth under way).
    lockWatcher = watchHost.watchFile(path.join(root, LOCK_FILE), () => {
      changeSeen ??= Date.now();
      if (lockTimer) watchHost.clearTimeout(lockTimer);
      lockTimer = watchHost.setTimeout(() => {
        lockTimer = undefined;
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
    if (stopped) {
      // Asked again: the synth under way is stopped now (the synth is safe to kill: the output stays as it was).
      running?.child.kill();
      return stopped;
    }
    closing = true;
    compiler?.close();
    lockWatcher?.close();
    if (lockTimer) watchHost.clearTimeout(lockTimer);
    spare?.child.kill();
    if (running) log('Stopping once the synth under way has finished (asked again: stops it now).');
    stopped = Promise.all([running?.exited, spare?.exited]).then(() => {
      events.emit('stopped', code);
      return code;
    });
    return stopped;
  };
  events.close = (code = 0) => stop(code);
  /** Kills the synth processes at once (the synth under way, the spare): for a watcher that ends abruptly. */
  events.kill = () => {
    running?.child.kill();
    spare?.child.kill();
  };
  return events;
}

/**
 * `npm run watch`: watches `root` with the synth options `argv` until SIGINT (Ctrl-C) or SIGTERM, which end it
 * with 130 or 143 once a synth under way has finished; a second one stops that synth. A terminal sends Ctrl-C's
 * SIGINT to the synth process too, which ignores it: the watch decides. Ended by an exception, it kills its synth
 * processes.
 */
function cli(argv = process.argv.slice(2), root = ROOT) {
  const events = watch({ root, argv, command: path.relative(process.cwd(), __filename) || __filename });
  events.on('stopped', (code) => process.exit(code));
  // Under `npm run watch`, one Ctrl-C arrives twice: from the terminal, and again from npm, which forwards it to
  // its child. So a second signal counts (stops the synth under way) only from half a second after the first.
  let first;
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(signal, () => {
      if (first !== undefined && Date.now() - first < REPEAT_MS) return;
      first ??= Date.now();
      void events.close(code);
    });
  }
  // Ended by an exception: a synth under way would go on alone (for ever if it hangs, deaf to Ctrl-C); the
  // spare ends by itself once this process is gone.
  process.on('exit', () => events.kill());
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
  1    the watch itself failed: its error on stderr; a synth under way is stopped
  2    a synth refused its command line (the synth options): the problem and the synth's usage on stderr
  130  ended by Ctrl-C (SIGINT), once a synth under way has finished (Ctrl-C again stops it); 143 the same
       for SIGTERM
`);
  } else {
    cli(argv);
  }
}

module.exports = { watch, cli };
