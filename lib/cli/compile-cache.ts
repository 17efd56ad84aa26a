// A cache of V8's compiled code for the CommonJS files that a CLI run loads (its program bundle, ssh2), as
// Node 22's module.enableCompileCache() keeps, which Node 20 lacks. A run compiles ~1 MB of JavaScript (the
// program, and each function it calls on first call): with the code of the previous run, ~60 ms of CPU less
// at each start. One file per module and Node version, rewritten when V8 refuses it (the source changed);
// written at exit, so that it holds the functions that the run compiled lazily.
//
// In $RXJOBS_COMPILE_CACHE, else $XDG_CACHE_HOME/rxjobs/v8, else ~/.cache/rxjobs/v8; RXJOBS_COMPILE_CACHE=0
// turns it off. A cache that cannot be read or written is ignored. On a Node that has
// module.enableCompileCache (22.1 and later), that does it instead, in the same directory.
import type * as Crypto from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type * as NodeModule from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type * as Vm from 'node:vm';

/** The cache's directory, from the environment; undefined: no cache. */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env['RXJOBS_COMPILE_CACHE'];
  if (own === '0') return undefined;
  if (own !== undefined && own !== '') return own;
  const xdg = env['XDG_CACHE_HOME'];
  const base = xdg !== undefined && xdg.startsWith('/') ? xdg : join(env['HOME'] ?? homedir(), '.cache');
  return join(base, 'rxjobs', 'v8');
}

/** What Node's CommonJS loader gives a module's `_compile` (not in @types/node). */
interface CompilingModule {
  exports: unknown;
  _compile(content: string, filename: string): unknown;
}

/**
 * From now on, compiles each CommonJS `.js` file that this process loads with the code that V8 cached for it
 * in `dir`, and caches what it lacked at exit.
 */
export function useCompileCache(dir: string | undefined = compileCacheDir()): void {
  if (dir === undefined) return;
  // loaded here, not at the top: a CLI's front door must start fast when it answers --help
  const require = createRequire(import.meta.url);
  const { wrap, prototype, enableCompileCache } = require('node:module') as typeof NodeModule & {
    wrap: (source: string) => string;
    prototype: CompilingModule;
    /** Node 22.1 and later: the same, by Node itself. */
    enableCompileCache?: (dir: string) => unknown;
  };
  if (typeof enableCompileCache === 'function') {
    enableCompileCache(dir);
    return;
  }
  const vm = require('node:vm') as typeof Vm;
  const { createHash } = require('node:crypto') as typeof Crypto; // ~3 ms of CPU to load
  const plain = prototype._compile; // eslint-disable-line @typescript-eslint/unbound-method -- called with its module
  const fresh: { script: Vm.Script; file: string }[] = [];
  prototype._compile = function (this: CompilingModule, content: string, filename: string): unknown {
    if (!filename.endsWith('.js') && !filename.endsWith('.cjs')) return plain.call(this, content, filename);
    const file = join(
      dir,
      `${createHash('sha256').update(`${process.version}\0${process.arch}\0${filename}`).digest('hex').slice(0, 32)}.v8`,
    );
    let cachedData: Buffer | undefined;
    try {
      cachedData = readFileSync(file);
    } catch {
      cachedData = undefined;
    }
    // a #! line is a comment only at the start of a script, not inside the wrapper
    const source = wrap(content.startsWith('#!') ? `//${content.slice(2)}` : content);
    const script = new vm.Script(source, { filename, ...(cachedData === undefined ? {} : { cachedData }) });
    if (cachedData === undefined || script.cachedDataRejected === true) fresh.push({ script, file });
    const run = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    const moduleRequire = createRequire(filename);
    return run.call(this.exports, this.exports, moduleRequire, this, filename, dirname(filename));
  };
  process.once('exit', () => {
    if (fresh.length === 0) return;
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      for (const { script, file } of fresh) {
        const temporary = `${file}.${String(process.pid)}.tmp`;
        writeFileSync(temporary, script.createCachedData(), { mode: 0o600 });
        renameSync(temporary, file); // whole, for another run reading it now
      }
    } catch {
      // no cache this time
    }
  });
}
