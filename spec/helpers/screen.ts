// What a terminal shows after some output: a small interpreter of the escapes the CLIs write (CR, LF, cursor
// up, erase line, erase below; colors and other sequences ignored), on a screen as tall as needed.

const CSI = new RegExp(String.raw`^\x1b\[([0-9;?]*)([@-~])`);

/** The lines of the screen after `output`, trailing spaces removed, empty last lines dropped. */
export function screenOf(output: string, columns = 80): string[] {
  const rows: string[][] = [[]];
  let row = 0;
  let col = 0;
  const line = (): string[] => (rows[row] ??= []);
  for (let i = 0; i < output.length; i++) {
    const ch = output[i] ?? '';
    if (ch === '\x1b') {
      const csi = CSI.exec(output.slice(i, i + 16));
      if (csi === null) {
        i++; // a two-byte sequence
        continue;
      }
      i += csi[0].length - 1;
      const n = Number(csi[1] === '' ? '1' : csi[1]);
      if (csi[2] === 'A') row = Math.max(0, row - n);
      else if (csi[2] === 'K') line().length = Math.min(line().length, col);
      else if (csi[2] === 'J') {
        line().length = Math.min(line().length, col);
        rows.length = row + 1;
      }
      continue;
    }
    if (ch === '\r') col = 0;
    else if (ch === '\n') {
      row++;
      line();
    } else {
      if (col >= columns) {
        row++;
        col = 0;
      }
      const cells = line();
      while (cells.length < col) cells.push(' ');
      cells[col++] = ch;
    }
  }
  const lines = Array.from(rows, (cells: string[] | undefined) => (cells ?? []).join('').trimEnd());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}
