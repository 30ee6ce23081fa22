/**
 * The command line of the scripts in scripts/: `--help` (or `-h`) prints the usage and exits 0; an option
 * the script does not know, or one argument too many, prints the problem and the usage on stderr and exits 2
 * before anything is done.
 *
 *   const args = readArgs(process.argv.slice(2), USAGE, { flags: ['--online'], options: ['--crds'], positionals: 1 });
 *   args.flags.has('--online'); args.options['--crds']; args.positionals[0]
 */
function readArgs(argv, usage, { flags = [], options = [], positionals = 0 } = {}) {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage);
    process.exit(0);
  }
  const result = { flags: new Set(), options: {}, positionals: [] };
  for (const arg of argv) {
    const eq = arg.indexOf('=');
    if (flags.includes(arg)) result.flags.add(arg);
    else if (eq > 0 && options.includes(arg.slice(0, eq)) && eq < arg.length - 1) result.options[arg.slice(0, eq)] = arg.slice(eq + 1);
    else if ((!arg.startsWith('-') || arg === '-') && result.positionals.length < positionals) result.positionals.push(arg);
    else {
      process.stderr.write(`${arg.startsWith('-') ? `unknown option "${arg}"` : `unexpected argument "${arg}"`}; nothing was done.\n\n${usage}`);
      process.exit(2);
    }
  }
  return result;
}

module.exports = { readArgs };
