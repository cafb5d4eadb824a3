/**
 * Linear baselines: ridge regression and L2-regularised logistic regression, with an optional
 * standardisation fitted on the training rows only.
 *
 * Both models keep their coefficients in the original feature space (`coef`, `intercept`), so
 * prediction and ONNX export need no scaler; when `standardize` is on, the coefficients in the
 * standardised space (`coefStd`, `interceptStd`, comparable to scikit-learn's
 * `make_pipeline(StandardScaler(), Ridge())`) and the scaler are kept as well.
 */
import { choleskySolve, lstsqQr } from "./_linalg.ts";
import { assertFinite, assertFiniteVector, type Matrix } from "./matrix.ts";

/** Weighted mean and scale of each feature, fitted on training rows. */
export interface Standardizer {
  /** Per-feature weighted mean. */
  mean: number[];
  /** Per-feature weighted standard deviation (ddof = 0); 1 where a feature is constant. */
  scale: number[];
}

/**
 * Fits a standardiser: mean_j = sum_i w_i x_ij / sum_i w_i, scale_j = sqrt(sum_i w_i (x_ij -
 * mean_j)^2 / sum_i w_i) (population convention, ddof = 0, as scikit-learn's StandardScaler);
 * a constant feature gets scale 1 so it maps to 0 rather than NaN.
 *
 * @see https://scikit-learn.org/stable/modules/generated/sklearn.preprocessing.StandardScaler.html
 * @example
 * ```ts
 * import { fitStandardizer } from "./linear.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * fitStandardizer(matrixFromColumns({ a: [1, 3] })); // { mean: [2], scale: [1] }
 * ```
 */
export function fitStandardizer(x: Matrix, weights?: ArrayLike<number>): Standardizer {
  const w = checkWeights(weights, x.rows);
  let sw = 0;
  for (let i = 0; i < x.rows; i++) sw += w ? w[i]! : 1;
  const mean: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    let m = 0;
    for (let i = 0; i < x.rows; i++) m += (w ? w[i]! : 1) * x.data[off + i]!;
    m /= sw;
    let v = 0;
    for (let i = 0; i < x.rows; i++) v += (w ? w[i]! : 1) * (x.data[off + i]! - m) ** 2;
    const sd = Math.sqrt(v / sw);
    mean.push(m);
    // Same rule as scikit-learn's _handle_zeros_in_scale: near-constant columns keep scale 1.
    scale.push(sd < 10 * Number.EPSILON * Math.max(1, Math.abs(m)) ? 1 : sd);
  }
  return { mean, scale };
}

/** Applies a standardiser: z_ij = (x_ij - mean_j) / scale_j. Returns a new matrix. */
export function standardize(x: Matrix, s: Standardizer): Matrix {
  if (s.mean.length !== x.cols) {
    throw new RangeError(`Cannot standardise: scaler has ${s.mean.length} features, X ${x.cols}`);
  }
  const data = new Float64Array(x.data.length);
  for (let j = 0; j < x.cols; j++) {
    const off = j * x.rows;
    const m = s.mean[j]!;
    const sc = s.scale[j]!;
    for (let i = 0; i < x.rows; i++) data[off + i] = (x.data[off + i]! - m) / sc;
  }
  return { rows: x.rows, cols: x.cols, data, names: x.names };
}

/** A fitted linear model (ridge or logistic). */
export interface LinearModel {
  kind: "ridge" | "logistic";
  /** Feature names in column order, as seen at fit time. */
  featureNames: string[];
  /** Coefficients in the original feature space. */
  coef: number[];
  /** Intercept in the original feature space. */
  intercept: number;
  /** Coefficients in the standardised space (only when fitted with `standardize`). */
  coefStd?: number[];
  /** Intercept in the standardised space (only when fitted with `standardize`). */
  interceptStd?: number;
  /** The scaler fitted on the training rows (only when fitted with `standardize`). */
  scaler?: Standardizer;
  /** Penalty used: `alpha` for ridge, `l2` for logistic. */
  penalty: number;
  /** Newton iterations (logistic only). */
  iterations?: number;
}

/** Options for {@link fitRidge}. */
export interface RidgeOptions {
  /** L2 penalty alpha on the coefficients (not the intercept). @default 1 */
  alpha?: number;
  /** Fit an unpenalised intercept. @default true */
  fitIntercept?: boolean;
  /** Standardise features on the training rows before fitting. @default false */
  standardize?: boolean;
  /** Non-negative sample weights, one per row. @default all 1 */
  sampleWeight?: ArrayLike<number>;
}

/**
 * Ridge regression: minimises sum_i w_i (y_i - b - x_i'beta)^2 + alpha ||beta||^2 with the
 * intercept b unpenalised. Solved by centring X and y at their weighted means and a Householder QR
 * least-squares solve of the augmented system [sqrt(W) Xc; sqrt(alpha) I] beta = [sqrt(W) yc; 0],
 * which avoids forming X'X (condition number squared); b = ybar - xbar'beta.
 * Conventions: the same objective as scikit-learn's `Ridge(alpha, fit_intercept)` with
 * `sample_weight`; with `standardize` the penalty applies to standardised coefficients.
 * NaN or infinite inputs are rejected with a RangeError.
 *
 * @see Hoerl, A. E. & Kennard, R. W. (1970). Ridge regression. Technometrics 12(1).
 *      doi:10.1080/00401706.1970.10488634
 * @example
 * ```ts
 * import { fitRidge, predictLinear } from "./linear.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: [0, 1, 2, 3] });
 * const m = fitRidge(x, [1, 3, 5, 7], { alpha: 0 }); // coef [2], intercept 1
 * predictLinear(m, x); // [1, 3, 5, 7]
 * ```
 */
export function fitRidge(x: Matrix, y: ArrayLike<number>, options: RidgeOptions = {}): LinearModel {
  const alpha = options.alpha ?? 1;
  const fitIntercept = options.fitIntercept ?? true;
  if (!(alpha >= 0)) throw new RangeError(`Cannot fit ridge: alpha must be >= 0, got ${alpha}`);
  checkXy(x, y, "ridge");
  const w = checkWeights(options.sampleWeight, x.rows);
  const scaler = options.standardize ? fitStandardizer(x, w) : undefined;
  const z = scaler ? standardize(x, scaler) : x;
  const n = z.rows;
  const p = z.cols;
  let sw = 0;
  for (let i = 0; i < n; i++) sw += w ? w[i]! : 1;
  const xbar = new Float64Array(p);
  let ybar = 0;
  if (fitIntercept) {
    for (let i = 0; i < n; i++) ybar += (w ? w[i]! : 1) * y[i]!;
    ybar /= sw;
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += (w ? w[i]! : 1) * z.data[j * n + i]!;
      xbar[j] = s / sw;
    }
  }
  const m = n + p;
  const a = new Float64Array(m * p);
  const b = new Float64Array(m);
  const sqrtAlpha = Math.sqrt(alpha);
  for (let i = 0; i < n; i++) b[i] = (w ? Math.sqrt(w[i]!) : 1) * (y[i]! - ybar);
  for (let j = 0; j < p; j++) {
    for (let i = 0; i < n; i++) {
      a[j * m + i] = (w ? Math.sqrt(w[i]!) : 1) * (z.data[j * n + i]! - xbar[j]!);
    }
    a[j * m + n + j] = sqrtAlpha;
  }
  const beta = p === 0 ? new Float64Array(0) : lstsqQr(a, b, m, p);
  let intercept = fitIntercept ? ybar : 0;
  for (let j = 0; j < p; j++) intercept -= xbar[j]! * beta[j]!;
  return finish("ridge", x, Array.from(beta), intercept, scaler, alpha);
}

/** Options for {@link fitLogistic}. */
export interface LogisticOptions {
  /** L2 penalty lambda on the coefficients (not the intercept); scikit-learn's C = 1 / lambda. @default 1 */
  l2?: number;
  /** Fit an unpenalised intercept. @default true */
  fitIntercept?: boolean;
  /** Standardise features on the training rows before fitting. @default false */
  standardize?: boolean;
  /** Non-negative sample weights, one per row. @default all 1 */
  sampleWeight?: ArrayLike<number>;
  /** Newton iteration cap. @default 100 */
  maxIter?: number;
  /** Stop when the largest Newton step is below tol * (1 + largest |coefficient|). @default 1e-12 */
  tol?: number;
}

/**
 * L2-regularised logistic regression for labels y in {0, 1}: minimises
 * sum_i w_i [log(1 + exp(eta_i)) - y_i eta_i] + lambda / 2 ||beta||^2, eta_i = b + x_i'beta,
 * with the intercept b unpenalised, by Newton's method (IRLS) with step halving; the Hessian
 * X'SX + lambda I (S = diag(w p (1 - p))) is solved by Cholesky.
 * Conventions: equals scikit-learn's `LogisticRegression(C = 1 / lambda)` with the lbfgs /
 * newton-cholesky solvers (intercept not penalised). `predictLinear` returns P(y = 1).
 *
 * @see Hastie, Tibshirani & Friedman (2009), The Elements of Statistical Learning, sec. 4.4.1.
 * @example
 * ```ts
 * import { fitLogistic, predictLinear } from "./linear.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: [-2, -1, 1, 2] });
 * const m = fitLogistic(x, [0, 1, 0, 1], { l2: 1 });
 * predictLinear(m, x); // probabilities in (0, 1)
 * ```
 */
export function fitLogistic(
  x: Matrix,
  y: ArrayLike<number>,
  options: LogisticOptions = {},
): LinearModel {
  const l2 = options.l2 ?? 1;
  const fitIntercept = options.fitIntercept ?? true;
  const maxIter = options.maxIter ?? 100;
  const tol = options.tol ?? 1e-12;
  if (!(l2 >= 0)) throw new RangeError(`Cannot fit logistic: l2 must be >= 0, got ${l2}`);
  checkXy(x, y, "logistic");
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 0 && y[i] !== 1) {
      throw new RangeError(`Cannot fit logistic: y[${i}] is ${y[i]} (labels must be 0 or 1)`);
    }
  }
  const w = checkWeights(options.sampleWeight, x.rows);
  const scaler = options.standardize ? fitStandardizer(x, w) : undefined;
  const z = scaler ? standardize(x, scaler) : x;
  const n = z.rows;
  const p = z.cols;
  const q = p + (fitIntercept ? 1 : 0); // parameter vector: beta then intercept
  const theta = new Float64Array(q);
  const eta = new Float64Array(n);
  const objective = (t: Float64Array): number => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let e = fitIntercept ? t[p]! : 0;
      for (let j = 0; j < p; j++) e += z.data[j * n + i]! * t[j]!;
      eta[i] = e;
      // log(1 + exp(e)) computed stably
      const softplus = e > 0 ? e + Math.log1p(Math.exp(-e)) : Math.log1p(Math.exp(e));
      f += (w ? w[i]! : 1) * (softplus - y[i]! * e);
    }
    for (let j = 0; j < p; j++) f += 0.5 * l2 * t[j]! ** 2;
    return f;
  };
  let f = objective(theta);
  let iter = 0;
  let converged = false;
  const g = new Float64Array(q);
  const h = new Float64Array(q * q);
  const col = (j: number, i: number) => (j < p ? z.data[j * n + i]! : 1);
  while (iter < maxIter) {
    iter++;
    g.fill(0);
    h.fill(0);
    for (let i = 0; i < n; i++) {
      const e = eta[i]!;
      const pr = e >= 0 ? 1 / (1 + Math.exp(-e)) : Math.exp(e) / (1 + Math.exp(e));
      const wi = w ? w[i]! : 1;
      const r = wi * (pr - y[i]!);
      const s = wi * pr * (1 - pr);
      for (let a = 0; a < q; a++) {
        const xa = col(a, i);
        g[a] = g[a]! + r * xa;
        const sxa = s * xa;
        for (let b = a; b < q; b++) h[a * q + b] = h[a * q + b]! + sxa * col(b, i);
      }
    }
    for (let a = 0; a < q; a++) {
      for (let b = a + 1; b < q; b++) h[b * q + a] = h[a * q + b]!; // symmetric fill
    }
    for (let j = 0; j < p; j++) {
      g[j] = g[j]! + l2 * theta[j]!;
      h[j * q + j] = h[j * q + j]! + l2;
    }
    const step = choleskySolve(h, g, q);
    if (!step) {
      throw new RangeError(
        "Cannot fit logistic: Hessian not positive definite (separable data with l2 = 0?)",
      );
    }
    let t = 1;
    let next = new Float64Array(q);
    let fNext = Infinity;
    for (let half = 0; half < 60; half++) {
      for (let a = 0; a < q; a++) next[a] = theta[a]! - t * step[a]!;
      fNext = objective(next);
      if (fNext <= f + 1e-12 * Math.abs(f)) break;
      t /= 2;
    }
    let maxStep = 0;
    let maxCoef = 0;
    for (let a = 0; a < q; a++) {
      maxStep = Math.max(maxStep, Math.abs(t * step[a]!));
      maxCoef = Math.max(maxCoef, Math.abs(next[a]!));
    }
    theta.set(next);
    next = new Float64Array(q);
    f = objective(theta); // refresh eta for the accepted point
    if (maxStep <= tol * (1 + maxCoef)) {
      converged = true;
      break;
    }
  }
  if (!converged) {
    throw new RangeError(
      `Cannot fit logistic: Newton did not converge in ${maxIter} iterations (separable data?)`,
    );
  }
  const beta = Array.from(theta.subarray(0, p));
  const model = finish("logistic", x, beta, fitIntercept ? theta[p]! : 0, scaler, l2);
  model.iterations = iter;
  return model;
}

/**
 * Predictions of a linear model: ridge gives b + x'beta, logistic gives
 * P(y = 1) = 1 / (1 + exp(-(b + x'beta))). Features are matched by position; the matrix must
 * have the model's number of columns.
 */
export function predictLinear(model: LinearModel, x: Matrix): Float64Array {
  if (x.cols !== model.coef.length) {
    throw new RangeError(
      `Cannot predict: model has ${model.coef.length} features, matrix has ${x.cols}`,
    );
  }
  const out = new Float64Array(x.rows).fill(model.intercept);
  for (let j = 0; j < x.cols; j++) {
    const c = model.coef[j]!;
    const off = j * x.rows;
    for (let i = 0; i < x.rows; i++) out[i] = out[i]! + c * x.data[off + i]!;
  }
  if (model.kind === "logistic") {
    for (let i = 0; i < x.rows; i++) out[i] = 1 / (1 + Math.exp(-out[i]!));
  }
  return out;
}

function finish(
  kind: "ridge" | "logistic",
  x: Matrix,
  beta: number[],
  intercept: number,
  scaler: Standardizer | undefined,
  penalty: number,
): LinearModel {
  const model: LinearModel = {
    kind,
    featureNames: [...x.names],
    coef: beta,
    intercept,
    penalty,
  };
  if (scaler) {
    // beta_raw_j = beta_std_j / scale_j, b_raw = b_std - sum_j beta_std_j mean_j / scale_j
    model.coefStd = beta;
    model.interceptStd = intercept;
    model.scaler = scaler;
    model.coef = beta.map((c, j) => c / scaler.scale[j]!);
    model.intercept = intercept -
      beta.reduce((s, c, j) => s + c * scaler.mean[j]! / scaler.scale[j]!, 0);
  }
  return model;
}

function checkXy(x: Matrix, y: ArrayLike<number>, what: string): void {
  if (x.rows === 0) throw new RangeError(`Cannot fit ${what}: no rows`);
  if (y.length !== x.rows) {
    throw new RangeError(`Cannot fit ${what}: y has ${y.length} rows, X has ${x.rows}`);
  }
  assertFinite(x);
  assertFiniteVector(y, "y");
}

function checkWeights(w: ArrayLike<number> | undefined, n: number): ArrayLike<number> | undefined {
  if (w === undefined) return undefined;
  if (w.length !== n) throw new RangeError(`sampleWeight has ${w.length} rows, X has ${n}`);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (!(w[i]! >= 0) || !Number.isFinite(w[i]!)) {
      throw new RangeError(`sampleWeight[${i}] is ${w[i]} (need finite >= 0)`);
    }
    sum += w[i]!;
  }
  if (!(sum > 0)) throw new RangeError("sampleWeight sums to 0");
  return w;
}
