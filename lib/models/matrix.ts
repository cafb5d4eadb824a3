/**
 * The feature matrix every model in `lib/models` takes: column-major `Float64Array` with the
 * feature names, so that a column is one contiguous typed array (`data[j * rows + i]` is row `i`
 * of feature `j`). Column-major suits the fitting kernels (binning, histograms, X'WX), which walk
 * one feature at a time.
 *
 * @example
 * ```ts
 * import { matrixFromColumns, column } from "./matrix.ts";
 * const m = matrixFromColumns({ ret_1d: [0.01, -0.02], vol_20d: [0.2, 0.3] });
 * column(m, 1); // Float64Array [0.2, 0.3]
 * ```
 */

/** Column-major numeric matrix with named columns. */
export interface Matrix {
  /** Number of rows (observations). */
  readonly rows: number;
  /** Number of columns (features). */
  readonly cols: number;
  /** Column-major values, length `rows * cols`: `data[j * rows + i]`. */
  readonly data: Float64Array;
  /** Feature names, length `cols`, in column order. */
  readonly names: readonly string[];
}

/** Builds a matrix from named columns (all of one length); copies the values. */
export function matrixFromColumns(columns: Record<string, ArrayLike<number>>): Matrix {
  const names = Object.keys(columns);
  const rows = names.length === 0 ? 0 : columns[names[0]!]!.length;
  const data = new Float64Array(rows * names.length);
  names.forEach((name, j) => {
    const c = columns[name]!;
    if (c.length !== rows) {
      throw new RangeError(
        `Cannot build matrix: column ${name} has ${c.length} rows, expected ${rows}`,
      );
    }
    for (let i = 0; i < rows; i++) data[j * rows + i] = c[i]!;
  });
  return { rows, cols: names.length, data, names };
}

/** Builds a matrix from row arrays; `names` defaults to `x0, x1, ...`. */
export function matrixFromRows(rowsIn: ArrayLike<number>[], names?: readonly string[]): Matrix {
  const rows = rowsIn.length;
  const cols = names?.length ?? (rows === 0 ? 0 : rowsIn[0]!.length);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const r = rowsIn[i]!;
    if (r.length !== cols) {
      throw new RangeError(
        `Cannot build matrix: row ${i} has ${r.length} values, expected ${cols}`,
      );
    }
    for (let j = 0; j < cols; j++) data[j * rows + i] = r[j]!;
  }
  return { rows, cols, data, names: names ?? defaultNames(cols) };
}

/** Wraps an existing column-major array without copying. */
export function matrixFromData(
  data: Float64Array,
  rows: number,
  names: readonly string[],
): Matrix {
  if (data.length !== rows * names.length) {
    throw new RangeError(
      `Cannot wrap matrix: data has ${data.length} values, expected ${rows} x ${names.length}`,
    );
  }
  return { rows, cols: names.length, data, names };
}

/** `x0, x1, ...` */
export function defaultNames(cols: number): string[] {
  return Array.from({ length: cols }, (_, j) => `x${j}`);
}

/** Column `j` as a subarray view (no copy). */
export function column(m: Matrix, j: number): Float64Array {
  if (j < 0 || j >= m.cols) throw new RangeError(`Column ${j} out of range 0..${m.cols - 1}`);
  return m.data.subarray(j * m.rows, (j + 1) * m.rows);
}

/** The rows at `index` (in that order), as a new matrix. */
export function takeRows(m: Matrix, index: ArrayLike<number>): Matrix {
  const n = index.length;
  const data = new Float64Array(n * m.cols);
  for (let j = 0; j < m.cols; j++) {
    const src = j * m.rows;
    const dst = j * n;
    for (let k = 0; k < n; k++) data[dst + k] = m.data[src + index[k]!]!;
  }
  return { rows: n, cols: m.cols, data, names: m.names };
}

/** Row-major float32 copy, the layout ONNX runtimes take for a `[rows, cols]` input. */
export function toRowMajorFloat32(m: Matrix, start = 0, end = m.rows): Float32Array {
  const n = end - start;
  const out = new Float32Array(n * m.cols);
  for (let j = 0; j < m.cols; j++) {
    const src = j * m.rows + start;
    for (let k = 0; k < n; k++) out[k * m.cols + j] = m.data[src + k]!;
  }
  return out;
}

/** Throws a RangeError naming the first non-finite value, if any. */
export function assertFinite(m: Matrix, what = "feature matrix"): void {
  for (let j = 0; j < m.cols; j++) {
    const off = j * m.rows;
    for (let i = 0; i < m.rows; i++) {
      const v = m.data[off + i]!;
      if (!Number.isFinite(v)) {
        throw new RangeError(
          `Cannot fit on ${what}: column ${m.names[j]} row ${i} is ${v} (need finite values)`,
        );
      }
    }
  }
}

/** Throws a RangeError naming the first non-finite entry of a vector, if any. */
export function assertFiniteVector(x: ArrayLike<number>, what: string): void {
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]!)) {
      throw new RangeError(`Cannot fit: ${what}[${i}] is ${x[i]} (need finite values)`);
    }
  }
}
