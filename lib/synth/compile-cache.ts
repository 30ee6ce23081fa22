/**
 * Imported first by the synth's entry points (main.ts, the bench's processes) for its side effect: turns on
 * Node's module compile cache (`module.enableCompileCache()`, Node 22.8+), so that each synth after the first
 * reuses V8's compiled code of the same modules instead of compiling them again at start-up. The cache sits
 * where Node puts it (`NODE_COMPILE_CACHE`, else `<tmpdir>/node-compile-cache`); `NODE_DISABLE_COMPILE_CACHE=1`
 * turns it off. On a Node without the API (20.x) nothing happens. It never changes what is written.
 * Not exported from the library: a library does not switch on caches in its users' processes.
 */
import * as nodeModule from 'module';

const enable = (nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof enable === 'function') enable();
