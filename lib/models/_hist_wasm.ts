/**
 * WebAssembly histogram kernels for the tree learners. The boosting fit keeps its binned
 * features, gradients, row indices and histogram slots in one shared `WebAssembly.Memory`, so
 * the main thread and the histogram worker can hand these arrays to the kernels by byte offset
 * (`array.byteOffset`). The module is emitted here from its instructions (no build step); each
 * kernel is the inner loop of `buildHistogram` for one feature:
 *
 *   histUnit(col, ix, og, m, hg, hc):         for k < m: b = col[ix[k]]; hg[b] += og[k]; hc[b] += 1
 *   histFull(col, ix, og, oh, m, hg, hh, hc): the same, plus hh[b] += oh[k]
 *   histUnit2(colA, colB, ix, og, m, hA, hB): histUnit for two features in one pass
 *   partition(col, idx, scratch, start, end, bin): stable partition of a node's rows
 *   histRowsUnit(rows, nf, ix, og, m, hist, f0, f1): row-major codes (nf per row), features
 *     f0..f1-1 at once: for k < m, f in [f0, f1): b = rows[ix[k] * nf + f];
 *     hist[f * 768 + b] += og[k]; hist[f * 768 + 512 + b] += 1 (g and count planes)
 *
 * (col: Uint8 bin codes, ix: Uint32 row indices, og/oh: Float64 ordered gradients/hessians,
 * hg/hh/hc: Float64 planes of the histogram). Compiled code has no JavaScript typed-array
 * bounds checks in the loop, which makes it about 1.6x faster than the same loop in JavaScript.
 * The row-major kernel serves small nodes: a column-major pass over a node holding a few percent
 * of the rows still reads every cache line of each column, a row-major one only the node's rows
 * (it touches the row 8 ahead so that its cache miss overlaps the work on the current rows).
 * Every kernel adds a bin's rows in the order of `ix`, so all give the same sums.
 */

const I32 = 0x7f;

function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...new TextEncoder().encode(s)];
const get = (i: number) => [0x20, ...uleb(i)];
const set = (i: number) => [0x21, ...uleb(i)];
const tee = (i: number) => [0x22, ...uleb(i)];
const i32 = (v: number) => [0x41, ...sleb(v)];
const f64One = [0x44, ...new Uint8Array(new Float64Array([1]).buffer)];
const ADD = 0x6a;
const MUL = 0x6c;
const LT_U = 0x49;
const SHL = 0x74;
const GE_U = 0x4f;
const LOAD_I32 = [0x28, 2, 0];
const STORE_I32 = [0x36, 2, 0];
const LOAD_U8 = [0x2d, 0, 0];
const LOAD_F64 = [0x2b, 3, 0];
const STORE_F64 = [0x39, 3, 0];
const F64_ADD = 0xa0;

/** `plane[b] += value` where `value` is pushed by `push`; b (times 8) is in local `bOff`. */
function accumulate(plane: number, bOff: number, addr: number, push: number[]): number[] {
  return [
    ...get(plane),
    ...get(bOff),
    ADD,
    ...tee(addr),
    ...get(addr),
    ...LOAD_F64,
    ...push,
    F64_ADD,
    ...STORE_F64,
  ];
}

/** `array[k]` for a Float64 array at the byte offset in local `ptr`. */
const loadAt = (ptr: number, k: number) => [
  ...get(ptr),
  ...get(k),
  ...i32(3),
  SHL,
  ADD,
  ...LOAD_F64,
];

/** The loop body shared by both kernels; `extra` is emitted after the g update. */
function kernel(params: number, extra: (k: number, bOff: number, addr: number) => number[]) {
  const [col, ix, og] = [0, 1, 2];
  const m = params === 6 ? 3 : 4;
  const hg = m + 1;
  const hc = params - 1;
  const k = params, bOff = params + 1, addr = params + 2;
  const body = [
    ...vec([[3, I32]]),
    ...i32(0),
    ...set(k),
    0x02, // block
    0x40,
    0x03, // loop
    0x40,
    ...get(k),
    ...get(m),
    GE_U,
    0x0d, // br_if out of the block
    1,
    // bOff = col[ix[k]] * 8
    ...get(col),
    ...get(ix),
    ...get(k),
    ...i32(2),
    SHL,
    ADD,
    ...LOAD_I32,
    ADD,
    ...LOAD_U8,
    ...i32(3),
    SHL,
    ...set(bOff),
    ...accumulate(hg, bOff, addr, loadAt(og, k)),
    ...extra(k, bOff, addr),
    ...accumulate(hc, bOff, addr, f64One),
    ...get(k),
    ...i32(1),
    ADD,
    ...set(k),
    0x0c, // br to the loop
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  return [...uleb(body.length), ...body];
}

/** The row-major kernel (unit hessian); see the module doc. */
function rowsKernel(): number[] {
  const [rows, nf, ix, og, m, hist, f0, f1] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [k, r, f, addr, gk, ahead, touched] = [8, 9, 10, 11, 12, 13, 14];
  const rowAt = (kk: number) => [
    ...get(rows),
    ...get(ix),
    ...get(kk),
    ...i32(2),
    SHL,
    ADD,
    ...LOAD_I32,
    ...get(nf),
    MUL,
    ADD,
  ];
  const countOffset = uleb(C_PLANE_BYTES);
  const body = [
    ...vec([[4, I32], [1, 0x7c], [2, I32]]),
    ...i32(0),
    ...set(k),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(k),
    ...get(m),
    GE_U,
    0x0d,
    1,
    // touch row ix[k + 8]
    ...get(k),
    ...i32(8),
    ADD,
    ...tee(ahead),
    ...get(m),
    LT_U,
    0x04, // if
    0x40,
    ...get(touched),
    ...rowAt(ahead),
    ...LOAD_U8,
    ADD,
    ...set(touched),
    0x0b,
    ...rowAt(k),
    ...set(r),
    ...loadAt(og, k),
    ...set(gk),
    ...get(f0),
    ...set(f),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(f),
    ...get(f1),
    GE_U,
    0x0d,
    1,
    // addr = hist + f * 6144 + rows[r + f] * 8
    ...get(hist),
    ...get(f),
    ...i32(HIST_STRIDE_BYTES),
    MUL,
    ADD,
    ...get(r),
    ...get(f),
    ADD,
    ...LOAD_U8,
    ...i32(3),
    SHL,
    ADD,
    ...tee(addr),
    ...get(addr),
    ...LOAD_F64,
    ...get(gk),
    F64_ADD,
    ...STORE_F64,
    ...get(addr),
    ...get(addr),
    0x2b, // f64.load at the count plane
    3,
    ...countOffset,
    ...f64One,
    F64_ADD,
    0x39, // f64.store at the count plane
    3,
    ...countOffset,
    ...get(f),
    ...i32(1),
    ADD,
    ...set(f),
    0x0c,
    0,
    0x0b,
    0x0b,
    ...get(k),
    ...i32(1),
    ADD,
    ...set(k),
    0x0c,
    0,
    0x0b,
    0x0b,
    ...get(touched),
    0x1a, // drop: the touches only warm the cache
    0x0b,
  ];
  return [...uleb(body.length), ...body];
}

/**
 * Two features per pass (unit hessian): histUnit2(colA, colB, ix, og, m, hA, hB) adds og[k] and
 * 1 to the g and count planes of the blocks at hA (bin colA[ix[k]]) and hB (bin colB[ix[k]]);
 * the row index and gradient are loaded once for both.
 */
function pairKernel(): number[] {
  const [colA, colB, ix, og, m, hA, hB] = [0, 1, 2, 3, 4, 5, 6];
  const [k, row, addr, gk] = [7, 8, 9, 10];
  const countOffset = uleb(C_PLANE_BYTES);
  const update = (colP: number, hP: number) => [
    ...get(hP),
    ...get(colP),
    ...get(row),
    ADD,
    ...LOAD_U8,
    ...i32(3),
    SHL,
    ADD,
    ...tee(addr),
    ...get(addr),
    ...LOAD_F64,
    ...get(gk),
    F64_ADD,
    ...STORE_F64,
    ...get(addr),
    ...get(addr),
    0x2b,
    3,
    ...countOffset,
    ...f64One,
    F64_ADD,
    0x39,
    3,
    ...countOffset,
  ];
  const body = [
    ...vec([[3, I32], [1, 0x7c]]),
    ...i32(0),
    ...set(k),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(k),
    ...get(m),
    GE_U,
    0x0d,
    1,
    ...get(ix),
    ...get(k),
    ...i32(2),
    SHL,
    ADD,
    ...LOAD_I32,
    ...set(row),
    ...loadAt(og, k),
    ...set(gk),
    ...update(colA, hA),
    ...update(colB, hB),
    ...get(k),
    ...i32(1),
    ADD,
    ...set(k),
    0x0c,
    0,
    0x0b,
    0x0b,
    0x0b,
  ];
  return [...uleb(body.length), ...body];
}

/**
 * Stable partition of a node's rows: partition(col, idx, scratch, start, end, bin) moves the rows
 * idx[start, end) with col[row] <= bin to idx[start, l) and the others to scratch[0, end - l),
 * both in their order, and returns l. Branch-free: each row is stored to both sides and only
 * its side's cursor advances (l <= k, so no unread index is overwritten).
 */
function partitionKernel(): number[] {
  const [col, idx, scratch, start, end, bin] = [0, 1, 2, 3, 4, 5];
  const [k, l, r, row, left] = [6, 7, 8, 9, 10];
  const body = [
    ...vec([[5, I32]]),
    ...get(start),
    ...tee(k),
    ...set(l),
    ...i32(0),
    ...set(r),
    0x02,
    0x40,
    0x03,
    0x40,
    ...get(k),
    ...get(end),
    GE_U,
    0x0d,
    1,
    ...get(idx),
    ...get(k),
    ...i32(2),
    SHL,
    ADD,
    ...LOAD_I32,
    ...set(row),
    ...get(col),
    ...get(row),
    ADD,
    ...LOAD_U8,
    ...get(bin),
    0x4d, // i32.le_u
    ...set(left),
    ...get(idx),
    ...get(l),
    ...i32(2),
    SHL,
    ADD,
    ...get(row),
    ...STORE_I32,
    ...get(scratch),
    ...get(r),
    ...i32(2),
    SHL,
    ADD,
    ...get(row),
    ...STORE_I32,
    ...get(l),
    ...get(left),
    ADD,
    ...set(l),
    ...get(r),
    ...i32(1),
    ADD,
    ...get(left),
    0x6b, // i32.sub
    ...set(r),
    ...get(k),
    ...i32(1),
    ADD,
    ...set(k),
    0x0c,
    0,
    0x0b,
    0x0b,
    ...get(l),
    0x0b,
  ];
  return [...uleb(body.length), ...body];
}

/** Bytes of one feature's histogram block (3 planes x 256 doubles) and to its count plane. */
const HIST_STRIDE_BYTES = 768 * 8;
const C_PLANE_BYTES = 512 * 8;

function moduleBytes(minPages: number, maxPages: number): Uint8Array<ArrayBuffer> {
  const unit = kernel(6, () => []);
  // histFull params: col, ix, og, oh, m, hg, hh, hc
  const full = kernel(8, (k, bOff, addr) => accumulate(6, bOff, addr, loadAt(3, k)));
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(
      1,
      vec([
        [0x60, ...vec(Array.from({ length: 6 }, () => [I32])), 0],
        [0x60, ...vec(Array.from({ length: 8 }, () => [I32])), 0],
        [0x60, ...vec(Array.from({ length: 7 }, () => [I32])), 0],
        [0x60, ...vec(Array.from({ length: 6 }, () => [I32])), 1, I32],
      ]),
    ),
    ...section(
      2,
      vec([[...name("env"), ...name("memory"), 0x02, 0x03, ...uleb(minPages), ...uleb(maxPages)]]),
    ),
    ...section(3, vec([[0], [1], [1], [2], [3]])),
    ...section(
      7,
      vec([
        [...name("histUnit"), 0x00, 0],
        [...name("histFull"), 0x00, 1],
        [...name("histRowsUnit"), 0x00, 2],
        [...name("histUnit2"), 0x00, 3],
        [...name("partition"), 0x00, 4],
      ]),
    ),
    ...section(10, vec([unit, full, rowsKernel(), pairKernel(), partitionKernel()])),
  ]);
}

/** The kernels bound to one shared memory. */
export interface HistKernels {
  /** The memory's buffer: arrays on it can be passed by `byteOffset`. */
  buffer: ArrayBufferLike;
  histUnit(col: number, ix: number, og: number, m: number, hg: number, hc: number): void;
  histFull(
    col: number,
    ix: number,
    og: number,
    oh: number,
    m: number,
    hg: number,
    hh: number,
    hc: number,
  ): void;
  histUnit2(
    colA: number,
    colB: number,
    ix: number,
    og: number,
    m: number,
    hA: number,
    hB: number,
  ): void;
  partition(
    col: number,
    idx: number,
    scratch: number,
    start: number,
    end: number,
    bin: number,
  ): number;
  histRowsUnit(
    rows: number,
    nf: number,
    ix: number,
    og: number,
    m: number,
    hist: number,
    f0: number,
    f1: number,
  ): void;
}

/** Bytes per WebAssembly page. */
export const WASM_PAGE = 65536;

/** A shared memory of `bytes` (rounded up to pages) for {@link instantiateKernels}. */
export function sharedMemory(bytes: number): WebAssembly.Memory {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE));
  return new WebAssembly.Memory({ initial: pages, maximum: pages, shared: true });
}

/** Instantiates the kernels on a shared memory made by {@link sharedMemory}. */
export function instantiateKernels(memory: WebAssembly.Memory): HistKernels {
  const pages = memory.buffer.byteLength / WASM_PAGE;
  const module = new WebAssembly.Module(moduleBytes(pages, pages));
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const e = instance.exports as unknown as Omit<HistKernels, "buffer">;
  return {
    buffer: memory.buffer,
    histUnit: e.histUnit,
    histFull: e.histFull,
    histRowsUnit: e.histRowsUnit,
    histUnit2: e.histUnit2,
    partition: e.partition,
  };
}
