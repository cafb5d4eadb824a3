/**
 * The feature manifest a model was trained on: its ONNX input tensors (name, dtype, shape) and,
 * for tabular models, the feature columns in order. Inference refuses inputs that do not match,
 * naming the mismatch, so a model never silently scores reordered or retyped features.
 */

/** Element types the runtime accepts. */
export type TensorDtype = "float32" | "float64" | "int64" | "int32";

/** One model input tensor. */
export interface InputSpec {
  name: string;
  dtype: TensorDtype;
  /** Dimensions; a string is a symbolic (free) dimension such as the batch size "N". */
  shape: (number | string)[];
}

/** What a model consumes. */
export interface FeatureManifest {
  /** ONNX inputs in graph order. */
  inputs: InputSpec[];
  /** Tabular feature columns in order (the last dimension of the single input); [] otherwise. */
  features: string[];
}

/** An input does not match the model's feature manifest. */
export class FeatureMismatchError extends Error {
  /** What differs: `names`, `order`, `dtype`, `shape` or `inputs`. */
  readonly kind: "names" | "order" | "dtype" | "shape" | "inputs";
  constructor(kind: FeatureMismatchError["kind"], message: string) {
    super(message);
    this.name = "FeatureMismatchError";
    this.kind = kind;
  }
}

/** Name of the single input of tabular models exported by `lib/models`. */
export const TABULAR_INPUT = "features";

/** The manifest of a tabular model: one float32 input `[N, features.length]`. */
export function tabularManifest(features: readonly string[]): FeatureManifest {
  return {
    inputs: [{ name: TABULAR_INPUT, dtype: "float32", shape: ["N", features.length] }],
    features: [...features],
  };
}

/**
 * Checks feature columns against the manifest, in order; throws FeatureMismatchError naming the
 * first difference ("feature 2 is vol_20d, the model expects ret_1d").
 */
export function checkFeatureOrder(manifest: FeatureManifest, names: readonly string[]): void {
  const want = manifest.features;
  if (names.length !== want.length) {
    const missing = want.filter((n) => !names.includes(n));
    const extra = names.filter((n) => !want.includes(n));
    throw new FeatureMismatchError(
      "names",
      `Feature count mismatch: got ${names.length} columns, the model expects ${want.length}` +
        (missing.length ? `; missing ${missing.join(", ")}` : "") +
        (extra.length ? `; unexpected ${extra.join(", ")}` : ""),
    );
  }
  for (let j = 0; j < want.length; j++) {
    if (names[j] !== want[j]) {
      const kind = want.includes(names[j]!) ? "order" : "names";
      throw new FeatureMismatchError(
        kind,
        `Feature ${kind === "order" ? "order" : "name"} mismatch at position ${j}: got ${
          names[j]
        }, the model expects ${want[j]} (expected order: ${want.join(", ")})`,
      );
    }
  }
}

/** dtype of a typed array, or null for an unsupported one. */
export function dtypeOf(a: unknown): TensorDtype | null {
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof Int32Array) return "int32";
  return null;
}
