/**
 * Text from outside (labels of a scenario file, host names) made safe to draw on a terminal, and measured in
 * terminal columns.
 * @module
 */

/** ESC sequences: CSI (`ESC [ ... final`), OSC/DCS/PM/APC/SOS strings (to BEL or ST), and two-byte ones. */
const ESCAPES =
  // eslint-disable-next-line no-control-regex
  /\u001b\[[0-?]*[ -/]*[@-~]?|\u009b[0-?]*[ -/]*[@-~]?|(?:\u001b[\]P^_X]|[\u0090\u0098\u009d-\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[ -~]?/g;
/** What is left: C0 and C1 controls, DEL, line and paragraph separators, bidi controls. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every escape sequence removed and every other control character (tab, newline, C1, bidi
 * overrides) turned into a space: what a terminal shows of it is what it says, and it moves no cursor.
 * @internal
 */
export const terminalSafe = (text: string): string => text.replace(ESCAPES, '').replace(CONTROLS, ' ');

/**
 * The columns a code point takes, counted high: 1 for ASCII and for the ellipsis `…` that cuts text here, 2
 * for anything else (East Asian wide letters and emoji take 2; counting 2 for the rest only clips a line
 * earlier than needed, never lets it wrap).
 */
const columnsOf = (codePoint: number): number => (codePoint < 0x80 || codePoint === 0x2026 ? 1 : 2);

/** The columns `text` takes, counted high (see {@link clipText}). @internal */
export const textColumns = (text: string): number => {
  let n = 0;
  for (const c of text) n += columnsOf(c.codePointAt(0) ?? 0);
  return n;
};

/**
 * `text` cut to at most `width` columns, ending with `ellipsis` when cut. Columns are counted high (any
 * non-ASCII code point takes 2), so a clipped line never wraps on the terminal. @internal
 */
export function clipText(text: string, width: number, ellipsis: string): string {
  if (textColumns(text) <= width) return text;
  const room = width - textColumns(ellipsis);
  if (room < 0) return '';
  let out = '';
  let used = 0;
  for (const c of text) {
    const w = columnsOf(c.codePointAt(0) ?? 0);
    if (used + w > room) break;
    out += c;
    used += w;
  }
  return `${out}${ellipsis}`;
}
