import { spawn } from 'node:child_process';
import { Observable } from 'rxjs';

/**
 * Runs `node -e script ...args` in `cwd` as a cold Observable: each subscription spawns a new child, which
 * emits the child's trimmed stdout then completes when it exits with code 0, and errors (with the exit code
 * or signal and the stderr) otherwise. Unsubscribing while the child runs kills it.
 * @internal used by the demo
 */
export const nodeScript = (script: string, args: readonly string[], cwd: string): Observable<string> =>
  new Observable<string>((subscriber) => {
    const child = spawn(process.execPath, ['-e', script, ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (e) => {
      subscriber.error(e);
    });
    child.on('close', (code, signal) => {
      if (code === 0) {
        subscriber.next(stdout.trim());
        subscriber.complete();
      } else {
        const how = code === null ? `signal ${String(signal)}` : `code ${String(code)}`;
        subscriber.error(new Error(`node -e exited with ${how}: ${stderr.trim()}`));
      }
    });
    return () => {
      if (child.exitCode === null && child.signalCode === null) child.kill();
    };
  });
