/**
 * A local model registry in the lake's reference zone. Each version of a model is a folder
 * `${lakeRoot()}/reference/models/<name>/<version>/` holding `model.onnx` and `model.json` (the
 * model card: feature manifest, training-data manifest hash, parameters, CPCV metrics, ledger
 * trial id, out-of-sample returns, stage and stage history); `reference/models/index.json` lists
 * every version with its stage. Files are written to a temporary name, fsynced and renamed, under
 * a writer lock, so a crash leaves the old or the new state.
 *
 * Stages: a new version is a `challenger`; `promoteModel` makes it the `champion` only when the
 * validation gate (`goNoGo` of lib/validation, fed with the version's stored out-of-sample
 * returns and the ledger's DSR/PBO evidence for its research question) says "go"; the previous
 * champion becomes `retired`. There is no other way to set the champion.
 *
 * @example
 * ```ts ignore
 * import { registerModel, promoteModel, loadModel } from "./registry.ts";
 * const v = await registerModel({ name: "spy_overnight_rf", onnx, manifest, ... });
 * const r = await promoteModel("spy_overnight_rf", v.version); // throws PromotionError on no-go
 * const model = await loadModel("spy_overnight_rf", "champion");
 * ```
 */
import { join } from "node:path";
import { sha256Hex, writeAtomic } from "../core/fs.ts";
import { lakeRoot } from "../lake/mod.ts";
import { acquireLock } from "../lake/lock.ts";
import {
  goNoGo,
  type GoNoGoOptions,
  type GoNoGoResult,
  ledgerEvidence,
  type LedgerOptions,
} from "../validation/mod.ts";
import type { FeatureManifest } from "./feature_manifest.ts";
import { OnnxModel } from "./onnx_runtime.ts";

/** Lifecycle stage of a model version. */
export type ModelStage = "challenger" | "champion" | "retired";

/** What a caller registers. */
export interface RegisterInput {
  /** Model name, `[a-z][a-z0-9_]*`. */
  name: string;
  /** The ONNX bytes. */
  onnx: Uint8Array;
  /** Inputs the model was trained on. */
  manifest: FeatureManifest;
  /** e.g. "random_forest", "gbt", "ridge", "logistic", "patchtst". */
  modelKind: string;
  /** "regression" or "binary". */
  task: string;
  /** Hash of the training data manifest (e.g. sha256 of the export's manifest.json). */
  trainingDataHash: string;
  /** Fitting parameters. */
  params: Record<string, unknown>;
  /** CPCV metrics (e.g. mean / std of the per-split score, path Sharpe). */
  cpcvMetrics: Record<string, number>;
  /** Research question of the ledger trials behind this model. */
  question: string;
  /** Ledger trial id of the configuration this version was fitted with. */
  trialId: string;
  /** Out-of-sample per-period returns of the model's strategy (CPCV paths), for the gate. */
  oosReturns: number[];
  /** Periods per year of `oosReturns`. @default 252 */
  periodsPerYear?: number;
  /** Whether `oosReturns` are net of costs (the gate requires it). @default false */
  netOfCosts?: boolean;
  /** Free-form notes. @default "" */
  notes?: string;
}

/** The model card stored as model.json. */
export interface ModelVersion extends Omit<RegisterInput, "onnx"> {
  version: number;
  stage: ModelStage;
  createdAt: string;
  onnxSha256: string;
  periodsPerYear: number;
  netOfCosts: boolean;
  notes: string;
  /** Stage changes, oldest first. */
  history: { at: string; from: ModelStage | null; to: ModelStage; reason: string }[];
  /** The gate result of the last promotion attempt, if any. */
  gate?: { verdict: GoNoGoResult["verdict"]; at: string; criteria: GoNoGoResult["criteria"] };
}

/** One row of the registry index. */
export interface IndexEntry {
  name: string;
  version: number;
  stage: ModelStage;
  createdAt: string;
  modelKind: string;
  task: string;
  trialId: string;
}

/** Options shared by the registry functions. */
export interface RegistryOptions {
  /** Lake root. @default lakeRoot() */
  root?: string;
  /** Clock. @default new Date() */
  now?: Date;
}

/** Promotion refused by the gate; `result` has every criterion. */
export class PromotionError extends Error {
  readonly result: GoNoGoResult;
  constructor(message: string, result: GoNoGoResult) {
    super(message);
    this.name = "PromotionError";
    this.result = result;
  }
}

const NAME = /^[a-z][a-z0-9_]*$/;

/** Folder of the registry. */
export function registryDir(root?: string): string {
  return join(lakeRoot(root), "reference", "models");
}

/**
 * Registers a new version (number = last + 1) as a challenger. The ONNX model is loaded against
 * its manifest first, so a model whose inputs disagree with its manifest is never registered.
 */
export async function registerModel(
  input: RegisterInput,
  options: RegistryOptions = {},
): Promise<ModelVersion> {
  if (!NAME.test(input.name)) {
    throw new RangeError(`Cannot register model: name ${input.name} must match ${NAME}`);
  }
  if (input.oosReturns.some((r) => !Number.isFinite(r))) {
    throw new RangeError(`Cannot register model ${input.name}: oosReturns has non-finite values`);
  }
  const check = await OnnxModel.load(input.onnx, input.manifest);
  await check.release();
  const dir = registryDir(options.root);
  const release = await acquireLock(join(dir, "_meta"));
  try {
    const index = readIndex(dir);
    const version = 1 +
      Math.max(0, ...index.filter((e) => e.name === input.name).map((e) => e.version));
    const at = (options.now ?? new Date()).toISOString();
    const { onnx, ...rest } = input;
    const card: ModelVersion = {
      ...rest,
      version,
      stage: "challenger",
      createdAt: at,
      onnxSha256: await sha256Hex(onnx),
      periodsPerYear: input.periodsPerYear ?? 252,
      netOfCosts: input.netOfCosts ?? false,
      notes: input.notes ?? "",
      history: [{ at, from: null, to: "challenger", reason: "registered" }],
    };
    const vdir = join(dir, input.name, String(version));
    Deno.mkdirSync(vdir, { recursive: true });
    await writeAtomic(join(vdir, "model.onnx"), onnx);
    await writeAtomic(
      join(vdir, "model.json"),
      new TextEncoder().encode(JSON.stringify(card, null, 2) + "\n"),
    );
    index.push(entryOf(card));
    await writeIndex(dir, index);
    return card;
  } finally {
    release();
  }
}

/** Every registered version (from the index), optionally of one model. */
export function listModels(name?: string, options: RegistryOptions = {}): IndexEntry[] {
  return readIndex(registryDir(options.root)).filter((e) => name === undefined || e.name === name);
}

/** A version's model card; `"champion"` picks the current champion. */
export function getModel(
  name: string,
  version: number | "champion",
  options: RegistryOptions = {},
): ModelVersion {
  const dir = registryDir(options.root);
  const v = resolveVersion(dir, name, version);
  return JSON.parse(
    Deno.readTextFileSync(join(dir, name, String(v), "model.json")),
  ) as ModelVersion;
}

/** Loads a version's ONNX model bound to its stored feature manifest. */
export async function loadModel(
  name: string,
  version: number | "champion",
  options: RegistryOptions = {},
): Promise<OnnxModel> {
  const card = getModel(name, version, options);
  const path = join(registryDir(options.root), name, String(card.version), "model.onnx");
  const bytes = await Deno.readFile(path);
  const sha = await sha256Hex(bytes);
  if (sha !== card.onnxSha256) {
    throw new Error(
      `Cannot load ${name} v${card.version}: model.onnx checksum ${sha} != card ${card.onnxSha256}`,
    );
  }
  return await OnnxModel.load(bytes, card.manifest);
}

/** Options for {@link promoteModel}. */
export interface PromoteOptions extends RegistryOptions {
  /** Gate thresholds. @default goNoGo's defaults */
  gate?: GoNoGoOptions;
  /** Ledger to read the DSR/PBO evidence from. @default the lake ledger */
  ledger?: LedgerOptions;
  /** PBO partitions. @default 8 */
  pboPartitions?: number;
}

/**
 * Runs the validation gate on a version and, on "go", makes it the champion (the previous
 * champion is retired). Evidence: the version's stored out-of-sample returns (declared out of
 * sample; net of costs as registered) and `ledgerEvidence(question)`. On "no-go" the gate result
 * is stored on the card and a PromotionError listing the failed criteria is thrown.
 */
export async function promoteModel(
  name: string,
  version: number,
  options: PromoteOptions = {},
): Promise<GoNoGoResult> {
  const dir = registryDir(options.root);
  const card = getModel(name, version, options);
  if (card.stage === "champion") {
    throw new RangeError(`${name} v${version} is already the champion`);
  }
  if (card.stage === "retired") {
    throw new RangeError(`${name} v${version} is retired; register a new version`);
  }
  let evidence: { trials?: { trials: number; srVariance: number }; pbo?: number } = {};
  try {
    const ev = await ledgerEvidence(card.question, {
      ...(options.ledger ?? {}),
      ...(options.root && !options.ledger ? { root: options.root } : {}),
      partitions: options.pboPartitions ?? 8,
    });
    evidence = { trials: ev.trials, pbo: ev.pbo };
  } catch {
    evidence = {}; // no trials recorded: the DSR and PBO criteria fail as "not provided"
  }
  const result = goNoGo({
    returns: card.oosReturns,
    periodsPerYear: card.periodsPerYear,
    ...evidence,
    outOfSample: true,
    netOfCosts: card.netOfCosts,
  }, options.gate ?? {});
  const at = (options.now ?? new Date()).toISOString();
  const release = await acquireLock(join(dir, "_meta"));
  try {
    const index = readIndex(dir);
    const fresh = getModel(name, version, options);
    fresh.gate = { verdict: result.verdict, at, criteria: result.criteria };
    if (result.verdict === "go") {
      for (const e of index) {
        if (e.name === name && e.stage === "champion") {
          const old = getModel(name, e.version, options);
          old.history.push({
            at,
            from: "champion",
            to: "retired",
            reason: `replaced by v${version}`,
          });
          old.stage = "retired";
          await writeCard(dir, old);
          e.stage = "retired";
        }
      }
      fresh.history.push({ at, from: fresh.stage, to: "champion", reason: "validation gate: go" });
      fresh.stage = "champion";
      index.find((e) => e.name === name && e.version === version)!.stage = "champion";
    }
    await writeCard(dir, fresh);
    await writeIndex(dir, index);
  } finally {
    release();
  }
  if (result.verdict !== "go") {
    const failed = result.criteria.filter((c) => c.status === "fail").map((c) =>
      `${c.name} (${c.note})`
    );
    throw new PromotionError(
      `Cannot promote ${name} v${version}: validation gate says no-go: ${failed.join("; ")}`,
      result,
    );
  }
  return result;
}

/** Retires a version (for example a challenger that lost). */
export async function retireModel(
  name: string,
  version: number,
  reason: string,
  options: RegistryOptions = {},
): Promise<void> {
  const dir = registryDir(options.root);
  const release = await acquireLock(join(dir, "_meta"));
  try {
    const index = readIndex(dir);
    const card = getModel(name, version, options);
    if (card.stage === "retired") return;
    card.history.push({
      at: (options.now ?? new Date()).toISOString(),
      from: card.stage,
      to: "retired",
      reason,
    });
    card.stage = "retired";
    await writeCard(dir, card);
    index.find((e) => e.name === name && e.version === version)!.stage = "retired";
    await writeIndex(dir, index);
  } finally {
    release();
  }
}

function resolveVersion(dir: string, name: string, version: number | "champion"): number {
  const entries = readIndex(dir).filter((e) => e.name === name);
  if (entries.length === 0) throw new RangeError(`No model named ${name} in ${dir}`);
  if (version === "champion") {
    const c = entries.find((e) => e.stage === "champion");
    if (!c) {
      throw new RangeError(
        `Model ${name} has no champion (versions: ${
          entries.map((e) => `v${e.version} ${e.stage}`).join(", ")
        })`,
      );
    }
    return c.version;
  }
  if (!entries.some((e) => e.version === version)) {
    throw new RangeError(
      `Model ${name} has no version ${version} (has ${entries.map((e) => e.version).join(", ")})`,
    );
  }
  return version;
}

function entryOf(c: ModelVersion): IndexEntry {
  return {
    name: c.name,
    version: c.version,
    stage: c.stage,
    createdAt: c.createdAt,
    modelKind: c.modelKind,
    task: c.task,
    trialId: c.trialId,
  };
}

function readIndex(dir: string): IndexEntry[] {
  try {
    return JSON.parse(Deno.readTextFileSync(join(dir, "index.json"))).models as IndexEntry[];
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

async function writeIndex(dir: string, entries: IndexEntry[]): Promise<void> {
  Deno.mkdirSync(dir, { recursive: true });
  entries.sort((a, b) => a.name.localeCompare(b.name) || a.version - b.version);
  await writeAtomic(
    join(dir, "index.json"),
    new TextEncoder().encode(JSON.stringify({ models: entries }, null, 2) + "\n"),
  );
}

async function writeCard(dir: string, card: ModelVersion): Promise<void> {
  await writeAtomic(
    join(dir, card.name, String(card.version), "model.json"),
    new TextEncoder().encode(JSON.stringify(card, null, 2) + "\n"),
  );
}
