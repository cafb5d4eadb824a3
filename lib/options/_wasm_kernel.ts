/**
 * Private: loads the WebAssembly SIMD kernels (`wasm/black_scholes_kernel.wasm`, built from the
 * AssemblyScript source `wasm/black_scholes_kernel.ts` by `deno task build-wasm`) and runs them
 * over option columns in cache-sized chunks.
 *
 * The module keeps no state besides its tables and one CHUNK-row input/output block in its
 * linear memory: each chunk's columns are copied in (memcpy-speed `TypedArray.set`), the kernel
 * runs, and the results are copied out. The tables are filled once here from the arrays the
 * scalar TypeScript kernels use, so both evaluate the same coefficients.
 */
import * as kernel from "./wasm/black_scholes_kernel.wasm";
import type { OptionColumns } from "./option_columns.ts";
import { ERFCX_COEF, EXP_FRAC, EXP_POW2 } from "./_special.ts";
import { LAG_FAR, LAG_NEAR, TAYLOR_RATIO } from "./_normalised_black.ts";

const CHUNK = 2048; // rows per call; must equal CHUNK in the AssemblyScript source
const memory = kernel.memory as WebAssembly.Memory;
// an exported wasm global arrives as a WebAssembly.Global
const chunkExport = (kernel.CHUNK as unknown as WebAssembly.Global).valueOf();
if (chunkExport !== CHUNK) {
  throw new Error(`black_scholes_kernel.wasm has CHUNK ${chunkExport}, expected ${CHUNK}`);
}

// fill the tables in the order of the AssemblyScript layout (T_FRAC, T_POW2, pad, T_ERFCX, ...)
{
  // erfcx: 7 coefficients per interval padded to 8 (aligned v128 loads), after one pad value
  const erfcx8 = new Float64Array(ERFCX_COEF.length / 7 * 8);
  for (let j = 0; j < ERFCX_COEF.length / 7; j++) {
    erfcx8.set(ERFCX_COEF.subarray(j * 7, j * 7 + 7), j * 8);
  }
  const parts = [
    EXP_FRAC,
    EXP_POW2,
    new Float64Array(1),
    erfcx8,
    LAG_NEAR.x,
    LAG_NEAR.w,
    LAG_FAR.x,
    LAG_FAR.w,
    TAYLOR_RATIO,
  ];
  const len = parts.reduce((a, p) => a + p.length, 0);
  if (len !== kernel.tablesLength()) {
    throw new Error(`black_scholes_kernel.wasm expects ${kernel.tablesLength()} table values`);
  }
  const tables = new Float64Array(memory.buffer, kernel.tablesPtr() as number, len);
  let at = 0;
  for (const p of parts) {
    tables.set(p, at);
    at += p.length;
  }
}

// the io block: 11 f64 columns of CHUNK rows, then the isCall byte column
const ioBase = kernel.ioPtr() as number;
const col = (j: number) => new Float64Array(memory.buffer, ioBase + j * CHUNK * 8, CHUNK);
const inSpot = col(0);
const inStrike = col(1);
const inT = col(2);
const inRate = col(3);
const inDiv = col(4);
const inVol = col(5);
const outs = [col(6), col(7), col(8), col(9), col(10)] as const;
const inCall = new Uint8Array(memory.buffer, ioBase + 11 * CHUNK * 8, CHUNK);

function loadChunk(o: OptionColumns, vol: Float64Array, from: number, m: number): void {
  const to = from + m;
  inSpot.set(o.spot.subarray(from, to));
  inStrike.set(o.strike.subarray(from, to));
  inT.set(o.t.subarray(from, to));
  inRate.set(o.rate.subarray(from, to));
  inDiv.set(o.div.subarray(from, to));
  inVol.set(vol.subarray(from, to));
  inCall.set(o.isCall.subarray(from, to));
}

/** Prices of all rows into `out` (lengths checked by the caller). */
export function priceKernel(o: OptionColumns, vol: Float64Array, out: Float64Array): void {
  const n = vol.length;
  for (let from = 0; from < n; from += CHUNK) {
    const m = Math.min(CHUNK, n - from);
    loadChunk(o, vol, from, m);
    kernel.priceChunk(m);
    out.set(m === CHUNK ? outs[0] : outs[0].subarray(0, m), from);
  }
}

/** Delta, gamma, vega, theta, rho of all rows into the five arrays (lengths checked). */
export function greeksKernel(
  o: OptionColumns,
  vol: Float64Array,
  out: readonly [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array],
): void {
  const n = vol.length;
  for (let from = 0; from < n; from += CHUNK) {
    const m = Math.min(CHUNK, n - from);
    loadChunk(o, vol, from, m);
    kernel.greeksChunk(m);
    for (let j = 0; j < 5; j++) {
      out[j]!.set(m === CHUNK ? outs[j]! : outs[j]!.subarray(0, m), from);
    }
  }
}
