import { JobsError } from './jobs-error.js';

/**
 * What a {@link GraphvizError} is built from.
 * @category errors
 */
export interface GraphvizErrorDetails {
  readonly reason: 'missing' | 'failed';
  readonly path: string;
  readonly format: string;
  readonly exitCode?: number | null | undefined;
  readonly signal?: NodeJS.Signals | null | undefined;
  readonly stderr?: string | undefined;
}

/**
 * Graphviz could not render a graph: raised (as a rejection) by `exportAsGraphic()`, `exportAsPngfile()` and
 * `exportAsSvgfile()` when the `dot` command is not on the `PATH` (`reason: 'missing'`, with a message
 * saying how to install graphviz) or when `dot` exits with an error (`reason: 'failed'`, with its stderr).
 * @category errors
 */
export class GraphvizError extends JobsError {
  override readonly name = 'GraphvizError' as const;
  override readonly code = 'graphviz' as const;
  /** `missing`: no `dot` on the `PATH`; `failed`: `dot` ran and failed, or could not be run. */
  readonly reason: 'missing' | 'failed';
  /** The file that was to be written. */
  readonly path: string;
  /** The output format passed to `dot -T`. */
  readonly format: string;
  /** `dot`'s exit code, `null` when it was killed by a signal or did not run. */
  readonly exitCode: number | null;
  /** The signal that killed `dot`, if any. */
  readonly signal: NodeJS.Signals | null;
  /** What `dot` wrote to stderr (empty when it did not run). */
  readonly stderr: string;

  constructor(details: GraphvizErrorDetails, options?: { cause?: unknown }) {
    super(graphvizMessage(details), options);
    this.reason = details.reason;
    this.path = details.path;
    this.format = details.format;
    this.exitCode = details.exitCode ?? null;
    this.signal = details.signal ?? null;
    this.stderr = details.stderr ?? '';
  }
}

function graphvizMessage(d: GraphvizErrorDetails): string {
  if (d.reason === 'missing')
    return (
      `cannot write ${d.path}: graphviz's \`dot\` command is missing (not found on the PATH); install graphviz ` +
      '(Debian/Ubuntu: `apt-get install graphviz`, macOS: `brew install graphviz`, others: ' +
      'https://graphviz.org/download/), or write a DOT file with exportAsDotfile() instead'
    );
  const how =
    d.signal !== null && d.signal !== undefined
      ? `was killed by ${d.signal}`
      : d.exitCode !== null && d.exitCode !== undefined
        ? `exited with code ${String(d.exitCode)}`
        : 'could not be run';
  const stderr = d.stderr?.trim() ?? '';
  return `cannot write ${d.path}: \`dot -T${d.format}\` ${how}${stderr === '' ? '' : `: ${stderr}`}`;
}

declare module './jobs-error.js' {
  interface JobsErrorByCode {
    graphviz: GraphvizError;
  }
}
