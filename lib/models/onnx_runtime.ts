/**
 * Inference for any ONNX model through onnxruntime-node, guarded by the feature manifest the model
 * was trained on: at load, the model's input names, element types and fixed dimensions (and, for
 * models exported by `lib/models`, the stored feature names) must match the manifest; at run time,
 * every feed's typed-array dtype and dimensions, and a matrix's column names and order, must
 * match too. Any mismatch throws `FeatureMismatchError` naming it.
 *
 * @example
 * ```ts
 * import { OnnxModel } from "./onnx_runtime.ts";
 * import { exportOnnx } from "./onnx_export.ts";
 * import { tabularManifest } from "./feature_manifest.ts";
 * import { fitRidge } from "./linear.ts";
 * import { matrixFromColumns } from "./matrix.ts";
 * const x = matrixFromColumns({ a: [0, 1, 2], b: [1, 0, 1] });
 * const ridge = fitRidge(x, [1, 2, 3]);
 * const model = await OnnxModel.load(exportOnnx(ridge), tabularManifest(x.names));
 * const p = await model.predict(x); // Float32Array of 3 predictions
 * await model.release();
 * ```
 */
import * as ort from "onnxruntime-node";
import {
  checkFeatureOrder,
  dtypeOf,
  type FeatureManifest,
  FeatureMismatchError,
  type TensorDtype,
} from "./feature_manifest.ts";
import { readOnnxMetadata } from "./onnx_export.ts";
import { type Matrix, toRowMajorFloat32 } from "./matrix.ts";

/** A typed tensor: data plus dimensions. */
export interface TensorData {
  data: Float32Array | Float64Array | BigInt64Array | Int32Array;
  dims: number[];
}

/** Options for {@link OnnxModel.load}. */
export interface OnnxLoadOptions {
  /** onnxruntime intra-op threads. @default 1 */
  intraOpThreads?: number;
}

/** Options for {@link OnnxModel.predict}. */
export interface PredictOptions {
  /** Rows per onnxruntime call. @default 65536 */
  batchSize?: number;
}

/** A loaded ONNX model bound to its feature manifest. */
export class OnnxModel {
  readonly manifest: FeatureManifest;
  readonly metadata: Record<string, string>;
  readonly outputNames: readonly string[];
  #session: ort.InferenceSession;

  private constructor(
    session: ort.InferenceSession,
    manifest: FeatureManifest,
    metadata: Record<string, string>,
  ) {
    this.#session = session;
    this.manifest = manifest;
    this.metadata = metadata;
    this.outputNames = session.outputNames;
  }

  /** Loads a model from bytes or a file path and checks it against the manifest. */
  static async load(
    source: Uint8Array | string,
    manifest: FeatureManifest,
    options: OnnxLoadOptions = {},
  ): Promise<OnnxModel> {
    const bytes = typeof source === "string" ? await Deno.readFile(source) : source;
    const metadata = readOnnxMetadata(bytes);
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpThreads ?? 1,
      interOpNumThreads: 1,
    });
    try {
      checkModelInputs(session, manifest, metadata);
    } catch (e) {
      await session.release();
      throw e;
    }
    return new OnnxModel(session, manifest, metadata);
  }

  /** Runs the model on named typed tensors; every input of the manifest must be fed. */
  async run(feeds: Record<string, TensorData>): Promise<Record<string, TensorData>> {
    const ortFeeds: Record<string, ort.Tensor> = {};
    const names = Object.keys(feeds);
    for (const name of names) {
      if (!this.manifest.inputs.some((i) => i.name === name)) {
        throw new FeatureMismatchError(
          "inputs",
          `Unknown input ${name}: the model takes ${
            this.manifest.inputs.map((i) => i.name).join(", ")
          }`,
        );
      }
    }
    for (const spec of this.manifest.inputs) {
      const feed = feeds[spec.name];
      if (!feed) throw new FeatureMismatchError("inputs", `Missing input ${spec.name}`);
      const dtype = dtypeOf(feed.data);
      if (dtype !== spec.dtype) {
        throw new FeatureMismatchError(
          "dtype",
          `Input ${spec.name} has dtype ${
            dtype ?? feed.data.constructor.name
          }, the model expects ${spec.dtype}`,
        );
      }
      checkDims(spec.name, feed.dims, spec.shape);
      const size = feed.dims.reduce((a, b) => a * b, 1);
      if (size !== feed.data.length) {
        throw new FeatureMismatchError(
          "shape",
          `Input ${spec.name}: dims [${feed.dims}] need ${size} values, got ${feed.data.length}`,
        );
      }
      ortFeeds[spec.name] = new ort.Tensor(spec.dtype, feed.data, feed.dims);
    }
    const res = await this.#session.run(ortFeeds);
    const out: Record<string, TensorData> = {};
    for (const [k, t] of Object.entries(res)) {
      out[k] = { data: t.data as TensorData["data"], dims: [...t.dims] };
      t.dispose();
    }
    return out;
  }

  /**
   * Scores a tabular feature matrix: checks its column names and order against the manifest,
   * feeds float32 batches `[rows, F]` and returns the first output, one value per row.
   */
  async predict(x: Matrix, options: PredictOptions = {}): Promise<Float32Array> {
    if (this.manifest.inputs.length !== 1 || this.manifest.features.length === 0) {
      throw new FeatureMismatchError("inputs", "predict() needs a tabular model; use run()");
    }
    checkFeatureOrder(this.manifest, x.names);
    const spec = this.manifest.inputs[0]!;
    if (spec.dtype !== "float32") {
      throw new FeatureMismatchError(
        "dtype",
        `Input ${spec.name} is ${spec.dtype}; predict() feeds float32`,
      );
    }
    const batch = Math.max(1, options.batchSize ?? 65536);
    const out = new Float32Array(x.rows);
    const outName = this.outputNames[0]!;
    for (let s = 0; s < x.rows; s += batch) {
      const e = Math.min(x.rows, s + batch);
      const res = await this.run({
        [spec.name]: { data: toRowMajorFloat32(x, s, e), dims: [e - s, x.cols] },
      });
      const data = res[outName]!.data;
      for (let k = 0; k < e - s; k++) out[s + k] = Number(data[k]!);
    }
    return out;
  }

  /** Frees the onnxruntime session. */
  async release(): Promise<void> {
    await this.#session.release();
  }
}

function checkModelInputs(
  session: ort.InferenceSession,
  manifest: FeatureManifest,
  metadata: Record<string, string>,
): void {
  const got = session.inputNames;
  const want = manifest.inputs.map((i) => i.name);
  if (got.length !== want.length || got.some((n, k) => n !== want[k])) {
    throw new FeatureMismatchError(
      "inputs",
      `Model inputs [${got.join(", ")}] do not match the manifest [${want.join(", ")}]`,
    );
  }
  session.inputMetadata.forEach((meta, k) => {
    const spec = manifest.inputs[k]!;
    if (!meta.isTensor) {
      throw new FeatureMismatchError("inputs", `Model input ${meta.name} is not a tensor`);
    }
    if (meta.type !== spec.dtype) {
      throw new FeatureMismatchError(
        "dtype",
        `Model input ${meta.name} is ${meta.type}, the manifest says ${spec.dtype}`,
      );
    }
    const shape = meta.shape;
    if (shape.length !== spec.shape.length) {
      throw new FeatureMismatchError(
        "shape",
        `Model input ${meta.name} has rank ${shape.length} [${shape}], the manifest says [${spec.shape}]`,
      );
    }
    shape.forEach((d, j) => {
      const s = spec.shape[j]!;
      if (typeof d === "number" && typeof s === "number" && d !== s) {
        throw new FeatureMismatchError(
          "shape",
          `Model input ${meta.name} dimension ${j} is ${d}, the manifest says ${s}`,
        );
      }
    });
  });
  if (metadata.feature_names) {
    const stored = JSON.parse(metadata.feature_names) as string[];
    try {
      checkFeatureOrder(manifest, stored);
    } catch (e) {
      throw new FeatureMismatchError(
        (e as FeatureMismatchError).kind ?? "names",
        `Manifest does not match the model's stored feature names: ${(e as Error).message}`,
      );
    }
  }
}

function checkDims(name: string, dims: number[], shape: (number | string)[]): void {
  if (dims.length !== shape.length) {
    throw new FeatureMismatchError(
      "shape",
      `Input ${name} has rank ${dims.length} [${dims}], the model expects [${shape}]`,
    );
  }
  dims.forEach((d, j) => {
    const s = shape[j]!;
    if (typeof s === "number" && d !== s) {
      throw new FeatureMismatchError(
        "shape",
        `Input ${name} dimension ${j} is ${d}, the model expects ${s}`,
      );
    }
  });
}

export type { TensorDtype };
