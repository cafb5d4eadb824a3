/**
 * Permutation importance: the drop in a score when one feature's column is shuffled, averaged
 * over `repeats` shuffles (Breiman 2001; Fisher, Rudin & Dominici 2019, arXiv:1801.01489).
 * importance_j = score(X) - mean_r score(X with column j permuted by shuffle r). Scores are
 * "higher is better" (use r2, accuracy or -logLoss). Works for any predictor, including an ONNX
 * model wrapped in a synchronous or asynchronous function.
 *
 * @example
 * ```ts
 * import { permutationImportance } from "./importance.ts";
 * import { r2 } from "./metrics.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: [1, 2, 3, 4], b: [0, 0, 1, 1] });
 * const imp = await permutationImportance((m) => m.data.slice(0, m.rows), x, [1, 2, 3, 4], r2);
 * imp.mean; // [> 0, 0]: only column a matters
 * ```
 */
import { Rng } from "../core/mod.ts";
import type { Matrix } from "./matrix.ts";

/** Options for {@link permutationImportance}. */
export interface PermutationOptions {
  /** Shuffles per feature. @default 5 */
  repeats?: number;
  /** Seed. @default 0 */
  seed?: number;
}

/** Mean and standard deviation (ddof 1; 0 with one repeat) of the score drop per feature. */
export interface PermutationImportance {
  baseline: number;
  mean: number[];
  std: number[];
}

/** See the module doc. The input matrix is not modified. */
export async function permutationImportance(
  predict: (x: Matrix) => ArrayLike<number> | Promise<ArrayLike<number>>,
  x: Matrix,
  y: ArrayLike<number>,
  score: (y: ArrayLike<number>, p: ArrayLike<number>) => number,
  options: PermutationOptions = {},
): Promise<PermutationImportance> {
  const repeats = options.repeats ?? 5;
  if (!(repeats >= 1)) throw new RangeError(`repeats must be >= 1, got ${repeats}`);
  const rng = new Rng(options.seed ?? 0);
  const baseline = score(y, await predict(x));
  const data = Float64Array.from(x.data);
  const work: Matrix = { rows: x.rows, cols: x.cols, data, names: x.names };
  const mean: number[] = [];
  const std: number[] = [];
  for (let j = 0; j < x.cols; j++) {
    const col = data.subarray(j * x.rows, (j + 1) * x.rows);
    const orig = Float64Array.from(col);
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) {
      col.set(orig);
      for (let i = col.length - 1; i > 0; i--) {
        const k = Math.floor(rng.uniform() * (i + 1));
        const t = col[i]!;
        col[i] = col[k]!;
        col[k] = t;
      }
      drops.push(baseline - score(y, await predict(work)));
    }
    col.set(orig);
    const m = drops.reduce((a, b) => a + b, 0) / repeats;
    mean.push(m);
    std.push(
      repeats > 1 ? Math.sqrt(drops.reduce((a, b) => a + (b - m) ** 2, 0) / (repeats - 1)) : 0,
    );
  }
  return { baseline, mean, std };
}
