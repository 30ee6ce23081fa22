/**
 * A synth process of `npm run watch` (scripts/watch.js forks it). It is started before it is needed: it loads
 * the modules it is told to (those the last synth loaded, from node_modules and the compiled library), says
 * `{ ready }`, and waits. On `{ synth: { main, argv, program } }` it runs that synth's `main(argv)` (the compiled
 * build/main.js, with the environments it loads, loaded only now) and reports `{ done, loaded }` (the files of
 * the modules to load ahead of the next synth), then ends with the synth's exit code. When a file it loaded
 * ahead has changed since (a compile wrote it again, a package install replaced it), it runs nothing, reports
 * `{ stale }` and ends: the synth is then run by a fresh process, with the code as it is now.
 */
const fs = require('fs');
const path = require('path');

// Ctrl-C in a terminal sends SIGINT to the whole process group, this process too: the watch decides when the
// synth under way ends (it lets it finish; it stops it on a second Ctrl-C), and kills a spare itself.
process.on('SIGINT', () => {});

/** What identifies a file's content without reading it: a write or a replacement changes it. */
function stamp(file) {
  try {
    const s = fs.statSync(file);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch {
    return 'gone';
  }
}

/** The files loaded ahead of the synth, with their stamps then. */
let preloaded = new Map();

/**
 * The files of this process's modules, except `main` and the environments it loads (the data, edited most):
 * those are what the next synth process loads ahead, in the order they were loaded.
 */
function modulesToPreload(main) {
  const data = path.join(path.dirname(main), 'environments') + path.sep;
  return Object.keys(require.cache).filter((f) => f !== main && !f.startsWith(data));
}

process.on('message', (message) => {
  if (Array.isArray(message.preload)) {
    for (const file of message.preload) {
      try {
        require(file);
      } catch {
        // Gone or broken since: the synth loads what it needs itself, and reports what fails.
      }
    }
    preloaded = new Map(Object.keys(require.cache).map((f) => [f, stamp(f)]));
    process.send({ ready: true });
  } else if (message.synth) {
    const { main, argv, program } = message.synth;
    if ([...preloaded].some(([file, was]) => stamp(file) !== was)) {
      process.send({ stale: true }, () => process.disconnect());
      return;
    }
    // The usage a bad command line prints names the command the user typed.
    if (program) process.argv[1] = program;
    require(main).main(argv);
    process.send({ done: true, loaded: modulesToPreload(main) }, () => process.disconnect());
  }
});
