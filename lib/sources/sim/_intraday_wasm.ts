/**
 * Private: runs the session generator's WebAssembly kernel (`wasm/sim_kernel.wasm`, built from
 * the AssemblyScript source `wasm/sim_kernel.ts` by `deno task build-wasm`), the same
 * computation as `generateJs` in `_intraday.ts`, bit for bit, in about half the time.
 *
 * The module is instantiated once per thread (each prefetch worker has its own) when this file is
 * first imported. Its linear memory holds, above `heapBase()`, a parameter block, the session's
 * scratch (normals, variances, increments, step sds), the U-shapes of the last `steps`, the jumps
 * and the outputs (step bars or window bars); it grows on demand and is reused by every call.
 *
 * Bit-exactness rests on Math.exp and Math.log being correctly rounded (V8 15, Deno 2.9: LLVM
 * libc's); {@link wasmKernelAvailable} is false, and the callers use the JavaScript generator,
 * when a self-check on import finds the kernel's exp or log differ from the host's anywhere in a
 * sample (an engine with another libm).
 */
import type { Bars } from "./bars.ts";
import * as kernel from "./wasm/sim_kernel.wasm";

type Fn<A extends unknown[]> = (...a: A) => number;
const k = kernel as unknown as {
  memory: WebAssembly.Memory;
  heapBase: Fn<[]>;
  crExp: Fn<[number]>;
  crLog: Fn<[number]>;
  fallbackCount: Fn<[]>;
  generate: Fn<number[]>;
};

/** The inputs of one session, in the units of IntradaySpec. */
export interface WasmSessionInput {
  seed: number;
  steps: number;
  openMs: number;
  stepMs: number;
  open: number;
  close: number;
  sdIntraday: number;
  volume: number;
  tradeSize: number;
  minTrades: number;
  lot: number;
  /** undefined: cents */
  tick: number | undefined;
  jumps: readonly number[];
  /** The variance and volume U-shapes of `steps` (the very arrays the JS path uses). */
  volU: Float64Array;
  volShape: Float64Array;
  volumeSum: number;
}

/** Day and last-window state after a session (SessionAggregator's fields). */
export interface WasmAggState {
  j: number;
  wPv: number;
  dO: number;
  dH: number;
  dL: number;
  dC: number;
  dV: number;
  dN: number;
  dPv: number;
}

const PARAM_SLOTS = 32;
let shapesAt = -1;
let shapesOf: Float64Array | undefined;

/** Grow the memory to hold `bytes` above address 0. */
function ensure(bytes: number): void {
  const have = k.memory.buffer.byteLength;
  if (bytes > have) k.memory.grow(Math.ceil((bytes - have) / 65536));
}

/**
 * Generate one session in the kernel: step bars into `bars` (capacity at least `steps`), and/or
 * window bars into `windows` (capacity: the session's window count) with `windowMs`. Returns the
 * aggregator state when `agg` is given, true without it, and false (outputs not written) when an
 * output would be NaN: the caller then runs the JavaScript generator, whose NaN bits are the
 * reference.
 */
export function generateWasm(
  s: WasmSessionInput,
  bars: Bars | undefined,
  agg: { windows: Bars | undefined; windowMs: number } | undefined,
): WasmAggState | boolean {
  const n = s.steps;
  const nJ = s.jumps.length;
  const winCap = agg?.windows ? agg.windows.length : 0;
  // layout (bytes): params, z (3n + 1), variance, x, sd, volU, volShape (n each), jumps, outputs
  const base = (k.heapBase() + 15) & ~15;
  const params = base;
  const z = params + PARAM_SLOTS * 8;
  const variance = z + (3 * n + 2) * 8;
  const x = variance + n * 8;
  const sd = x + n * 8;
  const volU = sd + n * 8;
  const volShape = volU + n * 8;
  const jumps = volShape + n * 8;
  const barsAt = jumps + (nJ + 1) * 8;
  const winAt = barsAt + (bars ? 8 * n * 8 : 0);
  ensure(winAt + 8 * winCap * 8);
  const buf = k.memory.buffer as ArrayBuffer;
  if (shapesOf !== s.volU || shapesAt !== volU) {
    new Float64Array(buf, volU, n).set(s.volU.subarray(0, n));
    new Float64Array(buf, volShape, n).set(s.volShape.subarray(0, n));
    shapesOf = s.volU;
    shapesAt = volU;
  }
  const p = new Float64Array(buf, params, PARAM_SLOTS);
  p[0] = s.openMs;
  p[1] = s.stepMs;
  p[2] = s.open;
  p[3] = s.close;
  p[4] = s.sdIntraday;
  p[5] = s.volume;
  p[6] = s.tradeSize;
  p[7] = s.minTrades;
  p[8] = s.lot;
  p[9] = s.tick === undefined ? NaN : s.tick;
  p[10] = agg ? agg.windowMs : 0;
  p[11] = s.volumeSum;
  if (nJ) new Float64Array(buf, jumps, nJ).set(s.jumps);
  const nan = k.generate(
    s.seed,
    n,
    params,
    z,
    variance,
    x,
    sd,
    volU,
    volShape,
    jumps,
    nJ,
    bars ? barsAt : 0,
    n,
    agg?.windows ? winAt : 0,
    winCap,
    agg ? 1 : 0,
  );
  if (nan) return false;
  if (bars) copyOut(buf, barsAt, n, bars, n);
  if (!agg) return true;
  const st: WasmAggState = {
    j: p[23]!,
    wPv: p[24]!,
    dO: p[16]!,
    dH: p[17]!,
    dL: p[18]!,
    dC: p[19]!,
    dV: p[20]!,
    dN: p[21]!,
    dPv: p[22]!,
  };
  if (agg.windows) copyOut(buf, winAt, winCap, agg.windows, st.j + 1);
  return st;
}

/** Columns t, o, h, l, c, v, vw, n of `cap` rows at `at`: their first `rows` into `b`. */
function copyOut(buf: ArrayBuffer, at: number, cap: number, b: Bars, rows: number): void {
  const cols = [b.t, b.o, b.h, b.l, b.c, b.v, b.vw, b.n];
  for (let c = 0; c < 8; c++) cols[c]!.set(new Float64Array(buf, at + c * cap * 8, rows));
}

/** Kernel's correctly rounded exp (for tests). */
export const wasmExp: (x: number) => number = (x) => k.crExp(x);
/** Kernel's correctly rounded log (for tests). */
export const wasmLog: (x: number) => number = (x) => k.crLog(x);
/** How many exp/log calls went to the host so far (for tests and benches). */
export const wasmFallbacks: () => number = () => k.fallbackCount();

function selfCheck(): boolean {
  // a spread of arguments with fdlibm/CR disagreements among them (about 1 in 10)
  let u = 0x2545f491;
  for (let i = 0; i < 2000; i++) {
    u = (Math.imul(u, 1664525) + 1013904223) >>> 0;
    const f = u / 4294967296;
    const e = f * 20 - 10, l = f + 1e-9;
    if (!Object.is(k.crExp(e), Math.exp(e)) || !Object.is(k.crLog(l), Math.log(l))) return false;
  }
  return true;
}

/** Whether the kernel is loaded and agrees with this engine's Math.exp / Math.log. */
export const wasmKernelAvailable: boolean = selfCheck();
