/**
 * Putting a host prefix after every `\n` of a chunk's lines, with no work per line in JavaScript (internal to
 * batched-writer.ts): a small WebAssembly function copies the bytes 8 at a time and the prefix after each
 * `\n`, about 0.3 CPU-s per GiB where a JavaScript loop costs 2.5 and one latin1 `replaceAll` per chunk 1.
 * @module
 */

// ---- the function, in WebAssembly's binary format (https://webassembly.github.io/spec/core/binary/)

/** Unsigned LEB128, for sizes and counts. */
const uleb = (n: number): number[] => {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
};

/** Signed LEB128, for constants. */
const sleb = (value: bigint): number[] => {
  let v = BigInt.asIntN(64, value);
  const out: number[] = [];
  for (;;) {
    const byte = Number(v & 0x7fn);
    v >>= 7n;
    if ((v === 0n && (byte & 0x40) === 0) || (v === -1n && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
};

const vec = (items: readonly (readonly number[])[]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, bytes: readonly number[]): number[] => [id, ...uleb(bytes.length), ...bytes];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

const I32 = 0x7f;
const I64 = 0x7e;
// the locals: the 5 parameters, then i, d, k (i32), x, m (i64)
const [SRC, N, DST, PRE, PLEN, I, D, K, X, M] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] as const;
const get = (l: number): number[] => [0x20, l];
const set = (l: number): number[] => [0x21, l];
const tee = (l: number): number[] => [0x22, l];
const i32 = (v: number): number[] => [0x41, ...sleb(BigInt(v))];
const i64 = (v: bigint): number[] => [0x42, ...sleb(v)];
const add = (l: number, v: number): number[] => [...get(l), ...i32(v), 0x6a, ...set(l)]; // l += v
const addLocal = (l: number, r: number): number[] => [...get(l), ...get(r), 0x6a, ...set(l)]; // l += r
const [BLOCK, LOOP, IF, END] = [[0x02, 0x40], [0x03, 0x40], [0x04, 0x40], [0x0b]];
const br = (depth: number): number[] => [0x0c, depth];
const brIf = (depth: number): number[] => [0x0d, depth];
const [ADD, LT_U, GT_U, GE_U, EQ, AND] = [[0x6a], [0x49], [0x4b], [0x4f], [0x46], [0x71]];
// prettier-ignore
const [XOR64, SUB64, AND64, EQZ64, CTZ64, SHR_U64, WRAP] = [[0x85], [0x7d], [0x83], [0x50], [0x7a], [0x88], [0xa7]];
// prettier-ignore
const [LOAD64, STORE64, LOAD8, STORE8] = [[0x29, 0, 0], [0x37, 0, 0], [0x2d, 0, 0], [0x3a, 0, 0]];

/** d += the prefix, copied 8 bytes at a time (up to 7 bytes past it are written: later bytes cover them). */
// prettier-ignore
const copyPrefix = [
  ...i32(0), ...set(K), ...LOOP,
  ...get(D), ...get(K), ...ADD, ...get(PRE), ...get(K), ...ADD, ...LOAD64, ...STORE64,
  ...get(K), ...i32(8), ...ADD, ...tee(K), ...get(PLEN), ...LT_U, ...brIf(0),
  ...END,
  ...addLocal(D, PLEN),
];

/**
 * `prefix(src, n, dst, pre, plen) -> end`: copies the `n` bytes at `src` to `dst`, with the `plen` bytes at
 * `pre` after every `\n` that more bytes follow; returns where the copy ends. In words of 8 bytes: a word
 * without `\n` (the classic zero-byte test on the word xor `\n`s) is stored whole; in a word with one, the
 * lowest `\n` is found by counting trailing zeros, the word stored, and the prefix written right after the
 * `\n`, over the bytes stored past it. The last bytes (fewer than 8) go one at a time. Writes up to 8 bytes
 * past `end`, and reads up to 8 past `pre + plen`.
 */
// prettier-ignore
const body = [
  ...get(DST), ...set(D),
  ...BLOCK, ...LOOP, // $done, $bytes
  ...BLOCK, ...LOOP, // $tail, $words
  ...get(I), ...i32(8), ...ADD, ...get(N), ...GT_U, ...brIf(1), // fewer than 8 bytes left: $tail
  ...get(D), ...get(SRC), ...get(I), ...ADD, ...LOAD64, ...tee(X), ...STORE64,
  ...get(X), ...i64(0x0a0a0a0a0a0a0a0an), ...XOR64, ...tee(M), ...i64(0x0101010101010101n), ...SUB64,
  ...get(M), ...i64(-1n), ...XOR64, ...AND64, ...i64(0x8080808080808080n), ...AND64, ...tee(M), ...EQZ64,
  ...IF, ...add(I, 8), ...add(D, 8), ...br(1), ...END, // no `\n`: the next word
  ...get(M), ...CTZ64, ...i64(3n), ...SHR_U64, ...WRAP, ...i32(1), ...ADD, ...tee(K), // bytes up to the `\n`
  ...get(I), ...ADD, ...set(I), ...addLocal(D, K),
  ...get(I), ...get(N), ...LT_U, ...IF, ...copyPrefix, ...END,
  ...br(0),
  ...END, ...END,
  ...get(I), ...get(N), ...GE_U, ...brIf(1), // all copied: $done
  ...get(D), ...get(SRC), ...get(I), ...ADD, ...LOAD8, ...tee(K), ...STORE8, ...add(I, 1), ...add(D, 1),
  ...get(K), ...i32(10), ...EQ, ...get(I), ...get(N), ...LT_U, ...AND, ...IF, ...copyPrefix, ...END,
  ...br(0),
  ...END, ...END,
  ...get(D), ...END,
];

/** The locals (3 of i32, 2 of i64), then the body. */
const code = [2, 3, I32, 2, I64, ...body];
// prettier-ignore
const MODULE = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
  ...section(1, vec([[0x60, ...vec([[I32], [I32], [I32], [I32], [I32]]), ...vec([[I32]])]])), // its type
  ...section(3, vec([[0]])), // one function, of that type
  ...section(5, vec([[0x00, ...uleb(1)]])), // a memory of 1 page at least, grown as needed
  ...section(7, vec([[...name('prefix'), 0x00, 0], [...name('memory'), 0x02, 0]])),
  ...section(10, vec([[...uleb(code.length), ...code]])),
]);

// ---- its use

/** The output of one call stays under this many bytes: the input is cut into slices to keep it so. */
const OUTPUT_BUDGET = 1024 * 1024;
const PAGE = 65536;
const align8 = (n: number): number => (n + 15) & ~7; // n rounded up to 8, plus 8 bytes of slack

/** What this file uses of WebAssembly (the types of @types/node 20 have no values for it). */
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object) => { readonly exports: unknown };
}

interface Prefixer {
  readonly prefix: (src: number, n: number, dst: number, pre: number, plen: number) => number;
  readonly memory: { readonly buffer: ArrayBuffer; readonly grow: (pages: number) => number };
}

let prefixer: Prefixer | undefined | null; // null: no WebAssembly here (node --jitless)

const load = (): Prefixer | null => {
  const wasm = (globalThis as { readonly WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return null;
  try {
    return new wasm.Instance(new wasm.Module(MODULE)).exports as Prefixer;
  } catch {
    return null;
  }
};

/** How {@link prefixLines} works here: `wasm`, or `text` where there is no WebAssembly. @internal */
export const prefixLinesWay = (): 'wasm' | 'text' => ((prefixer ??= load()) === null ? 'text' : 'wasm');

/**
 * Gives `lines` (bytes that end with `\n`) with `prefix` after every `\n` but the last, in one or more pieces
 * to `put` (views that are valid only during the call). Through WebAssembly, or, where there is none, as
 * latin1 text split on `\n` and joined with the prefix, per slice. `force` chooses a way, for tests.
 * @internal
 */
export function prefixLines(
  prefix: Buffer,
  lines: Uint8Array,
  put: (bytes: Uint8Array) => void,
  force?: 'wasm' | 'text',
): void {
  prefixer ??= load();
  const plen = prefix.length;
  const slice = Math.max(1, Math.floor(OUTPUT_BUDGET / (1 + plen)));
  const wasm = force === 'text' ? null : prefixer;
  if (wasm === null) {
    const after = `\n${prefix.toString('latin1')}`;
    for (let at = 0; at < lines.length; at += slice) {
      const piece = Buffer.from(lines.buffer, lines.byteOffset + at, Math.min(slice, lines.length - at));
      const text = Buffer.from(piece.toString('latin1').split('\n').join(after), 'latin1');
      // no prefix after the last `\n` of all
      put(at + slice < lines.length ? text : text.subarray(0, text.length - plen));
    }
    return;
  }
  const src = align8(plen);
  const dst = src + align8(slice);
  const needed = dst + align8(slice * (1 + plen));
  const memory = wasm.memory;
  if (memory.buffer.byteLength < needed) memory.grow(Math.ceil((needed - memory.buffer.byteLength) / PAGE));
  const bytes = new Uint8Array(memory.buffer);
  bytes.set(prefix, 0);
  for (let at = 0; at < lines.length; at += slice) {
    const n = Math.min(slice, lines.length - at);
    bytes.set(lines.subarray(at, at + n), src);
    let end = wasm.prefix(src, n, dst, 0, plen);
    // a slice that ends a line, with more slices after it: the prefix goes after its `\n` too
    if (at + n < lines.length && lines[at + n - 1] === 0x0a) {
      bytes.set(prefix, end);
      end += plen;
    }
    put(bytes.subarray(dst, end));
  }
}
