/**
 * A minimal Chrome DevTools Protocol client, for the report's browser tests: Debian's `chromium` started
 * headless with `--remote-debugging-pipe` (commands on its fd 3, answers and events on its fd 4, each a JSON
 * message ended by NUL; no websocket, no npm dependency), in its own process group with a temporary profile,
 * killed (group and all) by `close()` or when its time is up.
 *
 * `openPage(url)` opens a page in a fresh target and collects what the tests check: console errors,
 * exceptions, log entries, and every network request.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

/** Where chromium is looked for: $CHROMIUM, then these names on the PATH. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome'];

/** The chromium program, or undefined when there is none. */
export function findChromium(): string | undefined {
  const given = process.env['CHROMIUM'];
  const candidates = given !== undefined && given !== '' ? [given] : [];
  for (const dir of (process.env['PATH'] ?? '').split(delimiter))
    for (const name of NAMES) if (dir !== '') candidates.push(join(dir, name));
  return candidates.find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** Browser tests left out on purpose (a machine without chromium that knows it). */
export const browserTestsOff = (): boolean => process.env['RXJOBS_NO_BROWSER'] === '1';

/** The message of a failed browser test on a machine without chromium. */
export const NO_CHROMIUM =
  'chromium is not installed: run scripts/install-deps.sh (Debian: apt-get install chromium), ' +
  'or set RXJOBS_NO_BROWSER=1 to leave the browser tests out';

interface Pending {
  readonly resolve: (result: Record<string, unknown>) => void;
  readonly reject: (e: Error) => void;
  readonly method: string;
}

/** A CDP event: its method, params and session. */
export interface CdpEvent {
  readonly method: string;
  readonly params: Record<string, unknown>;
  readonly sessionId?: string;
}

/** A headless chromium under our control. */
export class Chromium {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Set<(e: CdpEvent) => void>();
  private buffered = '';
  private stderrTail = '';
  private exited = false;
  private readonly deadline: NodeJS.Timeout;
  private readonly child: ChildProcess;
  private readonly toBrowser: Writable;
  private readonly profile: string;

  private constructor(
    child: ChildProcess,
    toBrowser: Writable,
    fromBrowser: Readable,
    profile: string,
    lifetimeMs: number,
  ) {
    this.child = child;
    this.toBrowser = toBrowser;
    this.profile = profile;
    fromBrowser.setEncoding('utf8');
    fromBrowser.on('data', (chunk: string) => {
      this.receive(chunk);
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    child.on('exit', () => {
      this.exited = true;
      for (const p of this.pending.values())
        p.reject(new Error(`chromium exited during ${p.method}; its stderr ends with:\n${this.stderrTail}`));
      this.pending.clear();
    });
    this.deadline = setTimeout(() => {
      this.kill();
    }, lifetimeMs);
  }

  /** Starts chromium headless; fails with {@link NO_CHROMIUM} when it is not installed. */
  static async launch(options: { lifetimeMs?: number } = {}): Promise<Chromium> {
    const program = findChromium();
    if (program === undefined) throw new Error(NO_CHROMIUM);
    const profile = await mkdtemp(join(tmpdir(), 'rxjobs-chromium-'));
    const child = spawn(
      program,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage', // containers: a small /dev/shm would crash big pages' renderers
        '--remote-debugging-pipe',
        `--user-data-dir=${profile}`,
        '--no-first-run',
        '--no-default-browser-check',
        '--disable-extensions',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--mute-audio',
        'about:blank',
      ],
      { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
    );
    const toBrowser = child.stdio[3] as Writable | null;
    const fromBrowser = child.stdio[4] as Readable | null;
    if (toBrowser === null || fromBrowser === null) throw new Error('chromium: no debugging pipe');
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    return new Chromium(child, toBrowser, fromBrowser, profile, options.lifetimeMs ?? 60_000);
  }

  private receive(chunk: string): void {
    this.buffered += chunk;
    for (let end = this.buffered.indexOf('\0'); end >= 0; end = this.buffered.indexOf('\0')) {
      const text = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 1);
      const message = JSON.parse(text) as {
        id?: number;
        result?: Record<string, unknown>;
        error?: { message: string };
        method?: string;
        params?: Record<string, unknown>;
        sessionId?: string;
      };
      if (message.id !== undefined) {
        const pending = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error !== undefined)
          pending?.reject(new Error(`${pending.method}: ${message.error.message}`));
        else pending?.resolve(message.result ?? {});
      } else if (message.method !== undefined) {
        const event: CdpEvent = {
          method: message.method,
          params: message.params ?? {},
          ...(message.sessionId === undefined ? {} : { sessionId: message.sessionId }),
        };
        for (const listener of this.listeners) listener(event);
      }
    }
  }

  /** Sends a command; resolves to its result, rejects on its error or after `timeoutMs` (default 20 s). */
  send(
    method: string,
    params: Record<string, unknown> = {},
    sessionId?: string,
    timeoutMs = 20_000,
  ): Promise<Record<string, unknown>> {
    if (this.exited) return Promise.reject(new Error(`chromium is gone (${method})`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${method}: no answer from chromium in ${String(timeoutMs)} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        method,
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.toBrowser.write(
        `${JSON.stringify({ id, method, params, ...(sessionId === undefined ? {} : { sessionId }) })}\0`,
      );
    });
  }

  /** Calls `listener` on every event until the returned function is called. */
  onEvent(listener: (e: CdpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves to the first event `method` of `sessionId` (rejects after `timeoutMs`). */
  waitFor(method: string, sessionId: string, timeoutMs = 20_000): Promise<CdpEvent> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`no ${method} from chromium in ${String(timeoutMs)} ms`));
      }, timeoutMs);
      const off = this.onEvent((e) => {
        if (e.method !== method || e.sessionId !== sessionId) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  private kill(): void {
    if (this.exited || this.child.pid === undefined) return;
    try {
      process.kill(-this.child.pid, 'SIGKILL'); // the whole group: the zygote, renderers, GPU process
    } catch {
      // already gone
    }
  }

  /** Closes the browser (politely, then by SIGKILL to its group) and removes its profile. */
  async close(): Promise<void> {
    clearTimeout(this.deadline);
    if (!this.exited) {
      const gone = new Promise<void>((resolve) => {
        this.child.once('exit', () => {
          resolve();
        });
      });
      await this.send('Browser.close', {}, undefined, 2000).catch(() => undefined);
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2000))]);
      this.kill();
      await Promise.race([gone, new Promise((resolve) => setTimeout(resolve, 2000))]);
    }
    this.kill(); // what the browser started in its group and left behind
    await rm(this.profile, { recursive: true, force: true });
  }

  /** Opens `url` in a new page of `width` × `height` and waits for its load event. */
  async openPage(
    url: string,
    size: { width: number; height: number } = { width: 1280, height: 900 },
  ): Promise<Page> {
    const { targetId } = (await this.send('Target.createTarget', { url: 'about:blank' })) as {
      targetId: string;
    };
    const { sessionId } = (await this.send('Target.attachToTarget', { targetId, flatten: true })) as {
      sessionId: string;
    };
    const page = new Page(this, sessionId);
    for (const domain of ['Runtime', 'Log', 'Network', 'Page'])
      await this.send(`${domain}.enable`, {}, sessionId);
    await this.send(
      'Emulation.setDeviceMetricsOverride',
      { ...size, deviceScaleFactor: 1, mobile: false },
      sessionId,
    );
    const loaded = this.waitFor('Page.loadEventFired', sessionId);
    const navigated = (await this.send('Page.navigate', { url }, sessionId)) as { errorText?: string };
    if (navigated.errorText !== undefined) throw new Error(`cannot open ${url}: ${navigated.errorText}`);
    await loaded;
    return page;
  }
}

/** An open page, and what it said. */
export class Page {
  /** Console errors and warnings, uncaught exceptions, error log entries, in words. */
  readonly errors: string[] = [];
  /** The URL of every request the page made (the document itself included). */
  readonly requests: string[] = [];

  private readonly browser: Chromium;
  readonly sessionId: string;

  constructor(browser: Chromium, sessionId: string) {
    this.browser = browser;
    this.sessionId = sessionId;
    browser.onEvent((e) => {
      if (e.sessionId !== sessionId) return;
      const p = e.params;
      if (
        e.method === 'Runtime.consoleAPICalled' &&
        ['error', 'warning', 'assert'].includes(String(p['type']))
      )
        this.errors.push(`console.${String(p['type'])}: ${JSON.stringify(p['args'])}`);
      if (e.method === 'Runtime.exceptionThrown')
        this.errors.push(`exception: ${JSON.stringify(p['exceptionDetails'])}`);
      if (e.method === 'Log.entryAdded') {
        const entry = p['entry'] as { level?: string; text?: string; url?: string } | undefined;
        if (entry?.level === 'error' || entry?.level === 'warning')
          this.errors.push(`log ${entry.level}: ${entry.text ?? ''} ${entry.url ?? ''}`);
      }
      if (e.method === 'Network.requestWillBeSent') {
        const request = p['request'] as { url?: string } | undefined;
        this.requests.push(request?.url ?? '?');
      }
    });
  }

  /** The value of `expression` evaluated in the page (awaited when it is a promise). */
  async evaluate<T>(expression: string): Promise<T> {
    const answer = (await this.browser.send(
      'Runtime.evaluate',
      { expression, returnByValue: true, awaitPromise: true },
      this.sessionId,
    )) as { result?: { value?: unknown }; exceptionDetails?: unknown };
    if (answer.exceptionDetails !== undefined)
      throw new Error(`${expression}: ${JSON.stringify(answer.exceptionDetails)}`);
    return answer.result?.value as T;
  }

  /** A PNG of the page (the whole of it when `full`, else the viewport). */
  async screenshot(full = false): Promise<Buffer> {
    const { data } = (await this.browser.send(
      'Page.captureScreenshot',
      { format: 'png', captureBeyondViewport: full },
      this.sessionId,
    )) as { data: string };
    return Buffer.from(data, 'base64');
  }
}
