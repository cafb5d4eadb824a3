/**
 * Export of the workbench's models to ONNX, built with protobufjs through the `onnx-proto`
 * schema: linear models with standard ops (MatMul, Add, Sigmoid; opset 15), tree ensembles with
 * `ai.onnx.ml` TreeEnsembleRegressor (opset 3; boosting adds Sigmoid for binary tasks).
 *
 * Every exported model has one input `features` float32 `[N, F]` and one output, `prediction`
 * (regression) or `probability` (binary: P(y = 1)), shape `[N, 1]`. The feature names, model
 * kind and task are stored in the model's metadata_props (`feature_names` as JSON).
 * Binary forests export the mean leaf probability through TreeEnsembleRegressor (aggregate
 * AVERAGE) rather than TreeEnsembleClassifier, so that every binary model yields the same single
 * probability column.
 *
 * Trees compare float32 inputs with float32 thresholds (BRANCH_LEQ, NaN to the false branch),
 * which is the TypeScript trees' own rule, so paths agree exactly; leaf values are stored as
 * float32, so outputs agree to float32 precision.
 *
 * @see https://onnx.ai/onnx/operators/onnx_aionnxml_TreeEnsembleRegressor.html
 */
import onnxProto from "onnx-proto";
import type { LinearModel } from "./linear.ts";
import type { TreeEnsemble } from "./trees.ts";
import { TABULAR_INPUT } from "./feature_manifest.ts";

// deno-lint-ignore no-explicit-any
const { onnx } = onnxProto as any;

const FLOAT = 1;
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;
const enc = new TextEncoder();

/** Output name of an exported tabular model. */
export function outputNameOf(task: "regression" | "binary"): "prediction" | "probability" {
  return task === "binary" ? "probability" : "prediction";
}

/** Exports a linear or tree model; dispatches on its shape. */
export function exportOnnx(model: LinearModel | TreeEnsemble): Uint8Array {
  return "trees" in model ? exportTreesOnnx(model) : exportLinearOnnx(model);
}

/**
 * Linear model to ONNX: prediction = features @ W + b (W float32 `[F, 1]`), with Sigmoid for
 * logistic regression.
 */
export function exportLinearOnnx(model: LinearModel): Uint8Array {
  const f = model.coef.length;
  const task = model.kind === "logistic" ? "binary" : "regression";
  const out = outputNameOf(task);
  const nodes: Record<string, unknown>[] = [
    node("MatMul", [TABULAR_INPUT, "W"], ["xw"]),
    node("Add", ["xw", "B"], [task === "binary" ? "logit" : out]),
  ];
  if (task === "binary") nodes.push(node("Sigmoid", ["logit"], [out]));
  const graph = {
    name: `linear_${model.kind}`,
    node: nodes,
    initializer: [
      tensor("W", [f, 1], model.coef),
      tensor("B", [1], [model.intercept]),
    ],
    input: [valueInfo(TABULAR_INPUT, ["N", f])],
    output: [valueInfo(out, ["N", 1])],
  };
  return encodeModel(graph, [["", 15]], {
    feature_names: JSON.stringify(model.featureNames),
    model_kind: model.kind,
    task,
  });
}

/** Tree ensemble to ONNX (TreeEnsembleRegressor, plus Sigmoid for binary boosting). */
export function exportTreesOnnx(model: TreeEnsemble): Uint8Array {
  const f = model.featureNames.length;
  const out = outputNameOf(model.task);
  const ids = {
    nodes_treeids: [] as number[],
    nodes_nodeids: [] as number[],
    nodes_featureids: [] as number[],
    nodes_values: [] as number[],
    nodes_modes: [] as Uint8Array[],
    nodes_truenodeids: [] as number[],
    nodes_falsenodeids: [] as number[],
    nodes_missing_value_tracks_true: [] as number[],
    target_treeids: [] as number[],
    target_nodeids: [] as number[],
    target_ids: [] as number[],
    target_weights: [] as number[],
  };
  const leaf = enc.encode("LEAF");
  const leq = enc.encode("BRANCH_LEQ");
  model.trees.forEach((t, ti) => {
    for (let k = 0; k < t.feature.length; k++) {
      const isLeaf = t.feature[k]! < 0;
      ids.nodes_treeids.push(ti);
      ids.nodes_nodeids.push(k);
      ids.nodes_featureids.push(isLeaf ? 0 : t.feature[k]!);
      ids.nodes_values.push(isLeaf ? 0 : t.threshold[k]!);
      ids.nodes_modes.push(isLeaf ? leaf : leq);
      ids.nodes_truenodeids.push(isLeaf ? 0 : t.left[k]!);
      ids.nodes_falsenodeids.push(isLeaf ? 0 : t.right[k]!);
      ids.nodes_missing_value_tracks_true.push(0);
      if (isLeaf) {
        ids.target_treeids.push(ti);
        ids.target_nodeids.push(k);
        ids.target_ids.push(0);
        ids.target_weights.push(t.value[k]!);
      }
    }
  });
  const binaryGbt = model.kind === "gbt" && model.task === "binary";
  const attrs = [
    attrInt("n_targets", 1),
    attrString("aggregate_function", model.aggregate === "average" ? "AVERAGE" : "SUM"),
    attrString("post_transform", "NONE"),
    attrFloats("base_values", [model.baseScore]),
    attrInts("nodes_treeids", ids.nodes_treeids),
    attrInts("nodes_nodeids", ids.nodes_nodeids),
    attrInts("nodes_featureids", ids.nodes_featureids),
    attrFloats("nodes_values", ids.nodes_values),
    attrStrings("nodes_modes", ids.nodes_modes),
    attrInts("nodes_truenodeids", ids.nodes_truenodeids),
    attrInts("nodes_falsenodeids", ids.nodes_falsenodeids),
    attrInts("nodes_missing_value_tracks_true", ids.nodes_missing_value_tracks_true),
    attrInts("target_treeids", ids.target_treeids),
    attrInts("target_nodeids", ids.target_nodeids),
    attrInts("target_ids", ids.target_ids),
    attrFloats("target_weights", ids.target_weights),
  ];
  const nodes: Record<string, unknown>[] = [
    {
      ...node("TreeEnsembleRegressor", [TABULAR_INPUT], [binaryGbt ? "raw_score" : out]),
      domain: "ai.onnx.ml",
      attribute: attrs,
    },
  ];
  if (binaryGbt) nodes.push(node("Sigmoid", ["raw_score"], [out]));
  const graph = {
    name: model.kind,
    node: nodes,
    initializer: [],
    input: [valueInfo(TABULAR_INPUT, ["N", f])],
    output: [valueInfo(out, ["N", 1])],
  };
  return encodeModel(graph, [["", 15], ["ai.onnx.ml", 3]], {
    feature_names: JSON.stringify(model.featureNames),
    model_kind: model.kind,
    task: model.task,
    n_trees: String(model.trees.length),
  });
}

function node(opType: string, input: string[], output: string[]) {
  return {
    opType,
    input,
    output,
    name: `${opType}_${output[0]}`,
    domain: "",
    attribute: [] as unknown[],
  };
}

function tensor(name: string, dims: number[], values: number[]) {
  return { name, dims, dataType: FLOAT, floatData: values.map((v) => Math.fround(v)) };
}

function valueInfo(name: string, dims: (number | string)[]) {
  return {
    name,
    type: {
      tensorType: {
        elemType: FLOAT,
        shape: {
          dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

const attrInt = (name: string, i: number) => ({ name, type: ATTR.INT, i });
const attrString = (name: string, s: string) => ({ name, type: ATTR.STRING, s: enc.encode(s) });
const attrInts = (name: string, ints: number[]) => ({ name, type: ATTR.INTS, ints });
const attrFloats = (name: string, floats: number[]) => ({
  name,
  type: ATTR.FLOATS,
  floats: floats.map((v) => Math.fround(v)),
});
const attrStrings = (name: string, strings: Uint8Array[]) => ({
  name,
  type: ATTR.STRINGS,
  strings,
});

function encodeModel(
  graph: unknown,
  opsets: [string, number][],
  metadata: Record<string, string>,
): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: "workbench lib/models",
    producerVersion: "1",
    opsetImport: opsets.map(([domain, version]) => ({ domain, version })),
    graph,
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish() as Uint8Array;
}

/** Reads the metadata_props of an ONNX model (for example `feature_names`). */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const m = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const p of m.metadataProps ?? []) out[p.key] = p.value;
  return out;
}
