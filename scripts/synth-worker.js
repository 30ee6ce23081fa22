/**
 * A synth process of `npm run watch` (scripts/watch.js forks it). It is started before it is needed: it loads
 * the packages it is told to (those the last synth loaded from node_modules, which did not change since),
 * says `{ ready }`, and waits. On `{ synth: { main, argv, program } }` it runs that synth's `main(argv)` (the
 * compiled build/main.js, loaded only now, so every synth runs the code as it is then, in a process of its
 * own), reports `{ done, loaded }` (the node_modules files this process holds) and ends with the synth's
 * exit code.
 */
const path = require('path');

// Ctrl-C in a terminal sends SIGINT to the whole process group, this process too: the watch decides when the
// synth under way ends (it lets it finish; it stops it on a second Ctrl-C), and kills a spare itself.
process.on('SIGINT', () => {});

/** The files of this process's modules that come from an installed package. */
function packageModules() {
  return Object.keys(require.cache).filter((f) => f.split(path.sep).includes('node_modules'));
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
    process.send({ ready: true });
  } else if (message.synth) {
    const { main, argv, program } = message.synth;
    // The usage a bad command line prints names the command the user typed.
    if (program) process.argv[1] = program;
    require(main).main(argv);
    process.send({ done: true, loaded: packageModules() }, () => process.disconnect());
  }
});
