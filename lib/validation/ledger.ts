/**
 * The trial ledger: every backtest or model evaluation run through the workbench appends one
 * record (hashes of code version, data manifest and parameters; per-period returns) to an
 * append-only table, grouped by research `question`. The deflated Sharpe ratio's number of
 * trials and Sharpe variance, and PBO's return matrix, are then read from the ledger for a
 * question instead of being typed in by hand, so no trial goes uncounted.
 *
 * Storage sits behind {@linkcode LedgerStore}: {@linkcode lakeLedgerStore} (the default) keeps the
 * ledger in the lake as reference/validation/trial_ledger (no partitions, natural key trial_id);
 * with `WORKBENCH_CATALOG=postgres://...` set the default is {@linkcode pgLedgerStore}, a table
 * whose primary key is the trial id (so two processes recording the same trial write it once);
 * {@linkcode memoryLedgerStore} is for tests and notebooks.
 *
 * @see Bailey, D. H., & Lopez de Prado, M. (2014). The Deflated Sharpe Ratio. JPM 40(5)
 *      (why every trial must be counted). doi:10.3905/jpm.2014.40.5.094
 */
import pl from "nodejs-polars";
import { type DatasetSpec, readDataset, writeDataset } from "../lake/mod.ts";
import { moments, TRADING_DAYS_PER_YEAR, variance } from "../core/mod.ts";
import { sharpeRatio } from "./sharpe.ts";
import {
  catalogConfigured,
  catalogSchema,
  checkCatalogUrl,
  openSql,
  quoteIdent,
} from "../cluster/connection.ts";
import type { ReturnMatrix } from "./pbo.ts";

/** The lake dataset that holds the ledger. */
export const TRIAL_LEDGER_SPEC: DatasetSpec = {
  zone: "reference",
  source: "validation",
  dataset: "trial_ledger",
  partitioning: "none",
  timeColumn: "recorded_at",
  naturalKey: ["trial_id"],
  schema: {
    trial_id: "str",
    question: "str",
    kind: "str",
    recorded_at: "ts_ms",
    known_at: "ts_ms",
    code_version: "str",
    data_manifest: "str",
    params_json: "str",
    periods_per_year: "f64",
    observations: "i64",
    sharpe: "f64",
    skew: "f64",
    kurtosis: "f64",
    returns_json: "str",
    periods_json: "str",
  },
};

/** What a caller reports about one trial. */
export interface TrialInput {
  /** Research question id; DSR and PBO count trials per question. */
  question: string;
  /** Code version (e.g. git commit + dirty flag) of the strategy or model. */
  codeVersion: string;
  /** Identifier or checksum of the data the trial read (e.g. a lake manifest hash). */
  dataManifest: string;
  /** Parameters of the configuration; serialised as canonical JSON (sorted keys). */
  params: Record<string, unknown>;
  /** Per-period returns, out of sample and net of costs where the trial is a backtest. */
  returns: ArrayLike<number>;
  /**
   * Period labels aligned with `returns` (ISO dates or epoch ms), used to align trials for PBO.
   * @default undefined (trials aligned by position)
   */
  periods?: ArrayLike<string | number>;
  /**
   * Periods per year of the returns (all trials of a question must agree).
   * @default 252 (TRADING_DAYS_PER_YEAR)
   */
  periodsPerYear?: number;
  /**
   * "backtest" or "model".
   * @default "backtest"
   */
  kind?: string;
}

/** A stored ledger record. */
export interface TrialRecord {
  /** sha256 of canonical JSON {question, codeVersion, dataManifest, params}. */
  trialId: string;
  question: string;
  kind: string;
  /** When the trial was first recorded. */
  recordedAt: Date;
  codeVersion: string;
  dataManifest: string;
  /** Canonical JSON of the parameters. */
  paramsJson: string;
  periodsPerYear: number;
  observations: number;
  /** Per-period Sharpe (ddof 1); NaN when undefined. */
  sharpe: number;
  /** Biased skewness and raw kurtosis of the returns. */
  skew: number;
  kurtosis: number;
  returns: Float64Array;
  /** Period labels, or null when the trial recorded none. */
  periods: (string | number)[] | null;
}

/** Where ledger records live. Implementations must keep the first record of a trial id. */
export interface LedgerStore {
  /** Append records (their ids are not yet stored). */
  append(records: TrialRecord[]): Promise<void>;
  /** All records, or those of one question, in recording order. */
  read(question?: string): Promise<TrialRecord[]>;
  /** The stored trial ids (cheaper than `read`: returns are not decoded). */
  ids(): Promise<Set<string>>;
}

/** An in-memory store (tests, notebooks). */
export function memoryLedgerStore(): LedgerStore {
  const rows: TrialRecord[] = [];
  return {
    append(records) {
      rows.push(...records);
      return Promise.resolve();
    },
    read(question) {
      return Promise.resolve(
        rows.filter((r) => question === undefined || r.question === question),
      );
    },
    ids() {
      return Promise.resolve(new Set(rows.map((r) => r.trialId)));
    },
  };
}

/** Canonical JSON: object keys sorted recursively, so equal parameters hash equally. */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object" && !(v instanceof Date)) {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>).sort().map((
          k,
        ) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

async function sha256(text: string): Promise<string> {
  const d = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The trial id of an input: sha256 of canonical JSON of question, code, data and params. */
export function trialId(
  input: Pick<TrialInput, "question" | "codeVersion" | "dataManifest" | "params">,
): Promise<string> {
  return sha256(canonicalJson({
    question: input.question,
    codeVersion: input.codeVersion,
    dataManifest: input.dataManifest,
    params: input.params,
  }));
}

/** Lake-backed store: reference/validation/trial_ledger under `root` (default lakeRoot()). */
export function lakeLedgerStore(options: { root?: string } = {}): LedgerStore {
  const root = options.root;
  return {
    async append(records) {
      if (records.length === 0) return;
      const ms = (d: Date) => d.getTime();
      const df = pl.DataFrame({
        trial_id: records.map((r) => r.trialId),
        question: records.map((r) => r.question),
        kind: records.map((r) => r.kind),
        recorded_at: pl.Series("recorded_at", records.map((r) => ms(r.recordedAt))).cast(pl.Int64)
          .cast(pl.Datetime("ms", "UTC")),
        known_at: pl.Series("known_at", records.map((r) => ms(r.recordedAt))).cast(pl.Int64).cast(
          pl.Datetime("ms", "UTC"),
        ),
        code_version: records.map((r) => r.codeVersion),
        data_manifest: records.map((r) => r.dataManifest),
        params_json: records.map((r) => r.paramsJson),
        periods_per_year: pl.Series(
          "periods_per_year",
          records.map((r) => r.periodsPerYear),
          pl.Float64,
        ),
        observations: pl.Series("observations", records.map((r) => r.observations)).cast(pl.Int64),
        sharpe: pl.Series("sharpe", records.map((r) => r.sharpe), pl.Float64),
        skew: pl.Series("skew", records.map((r) => r.skew), pl.Float64),
        kurtosis: pl.Series("kurtosis", records.map((r) => r.kurtosis), pl.Float64),
        returns_json: records.map((r) => JSON.stringify(Array.from(r.returns, finiteOrNull))),
        periods_json: records.map((r) => r.periods === null ? "" : JSON.stringify(r.periods)),
      });
      await writeDataset(TRIAL_LEDGER_SPEC, df, {
        transformId: "validation/ledger@1",
        sourceUri: "workbench://validation/recordTrial",
        ...(root === undefined ? {} : { root }),
      });
    },
    async ids() {
      const df = await readDataset(TRIAL_LEDGER_SPEC, {
        columns: ["trial_id"],
        ...(root === undefined ? {} : { root }),
      });
      return new Set(df.height ? df.getColumn("trial_id").toArray() as string[] : []);
    },
    async read(question) {
      let df = await readDataset(TRIAL_LEDGER_SPEC, root === undefined ? {} : { root });
      if (df.height === 0) return [];
      if (question !== undefined) df = df.filter(pl.col("question").eq(pl.lit(question)));
      const col = (c: string) => df.getColumn(c).toArray() as unknown[];
      const ids = col("trial_id") as string[];
      const rec = df.getColumn("recorded_at").cast(pl.Int64).toArray() as unknown[];
      const cols = {
        question: col("question") as string[],
        kind: col("kind") as string[],
        code: col("code_version") as string[],
        data: col("data_manifest") as string[],
        params: col("params_json") as string[],
        ppy: col("periods_per_year") as number[],
        obs: col("observations") as unknown[],
        sharpe: col("sharpe") as (number | null)[],
        skew: col("skew") as (number | null)[],
        kurt: col("kurtosis") as (number | null)[],
        ret: col("returns_json") as string[],
        per: col("periods_json") as string[],
      };
      const out: TrialRecord[] = ids.map((id, i) => ({
        trialId: id,
        question: cols.question[i]!,
        kind: cols.kind[i]!,
        recordedAt: new Date(Number(rec[i])),
        codeVersion: cols.code[i]!,
        dataManifest: cols.data[i]!,
        paramsJson: cols.params[i]!,
        periodsPerYear: cols.ppy[i]!,
        observations: Number(cols.obs[i]),
        sharpe: cols.sharpe[i] ?? NaN,
        skew: cols.skew[i] ?? NaN,
        kurtosis: cols.kurt[i] ?? NaN,
        returns: Float64Array.from(JSON.parse(cols.ret[i]!) as (number | null)[], (v) => v ?? NaN),
        periods: cols.per[i] ? JSON.parse(cols.per[i]!) : null,
      }));
      // readDataset sorts by recorded_at then trial_id: recording order
      return out;
    },
  };
}

/**
 * PostgreSQL store: table `<schema>.trial_ledger` (schema from the URL's `?schema=`, default
 * `workbench_lake`), primary key trial_id; appends are `INSERT ... ON CONFLICT DO NOTHING` in one
 * transaction, so the first record of a trial stays and concurrent recorders cannot duplicate
 * one. Returns travel as the bytes of a Float64Array (bit-exact, NaN included). Each call opens
 * and closes its own connection.
 *
 * @example
 * ```ts ignore
 * await recordTrials(inputs, { store: pgLedgerStore(Deno.env.get("WORKBENCH_CATALOG")!) });
 * ```
 */
export function pgLedgerStore(url: string, options: { schema?: string } = {}): LedgerStore {
  checkCatalogUrl(url);
  const t = `${quoteIdent(options.schema ?? catalogSchema(url))}.trial_ledger`;
  const schema = quoteIdent(options.schema ?? catalogSchema(url));
  const withSql = async <T>(f: (sql: ReturnType<typeof openSql>) => Promise<T>): Promise<T> => {
    const sql = openSql(url, { max: 1 });
    try {
      await sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`).catch(() => {});
      await sql.unsafe(`CREATE TABLE IF NOT EXISTS ${t} (
        trial_id text PRIMARY KEY, seq bigserial, question text NOT NULL, kind text NOT NULL,
        recorded_at timestamptz NOT NULL, code_version text NOT NULL, data_manifest text NOT NULL,
        params_json text NOT NULL, periods_per_year float8 NOT NULL, observations bigint NOT NULL,
        sharpe float8, skew float8, kurtosis float8, returns bytea NOT NULL, periods_json text)`)
        .catch(() => {}); // a concurrent creator won; the statement below fails if it did not
      return await f(sql);
    } finally {
      await sql.end({ timeout: 5 });
    }
  };
  const bytes = (a: Float64Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  return {
    append(records) {
      if (records.length === 0) return Promise.resolve();
      return withSql(async (sql) => {
        await sql.begin(async (tx) => {
          for (const r of records) {
            await tx.unsafe(
              `INSERT INTO ${t} (trial_id, question, kind, recorded_at, code_version, data_manifest,
                 params_json, periods_per_year, observations, sharpe, skew, kurtosis, returns,
                 periods_json)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (trial_id) DO NOTHING`,
              [
                r.trialId,
                r.question,
                r.kind,
                r.recordedAt,
                r.codeVersion,
                r.dataManifest,
                r.paramsJson,
                r.periodsPerYear,
                r.observations,
                Number.isFinite(r.sharpe) ? r.sharpe : null,
                Number.isFinite(r.skew) ? r.skew : null,
                Number.isFinite(r.kurtosis) ? r.kurtosis : null,
                bytes(Float64Array.from(r.returns)),
                r.periods === null ? null : JSON.stringify(r.periods),
              ],
            );
          }
        });
      });
    },
    ids() {
      return withSql(async (sql) => {
        const rows = await sql.unsafe(`SELECT trial_id FROM ${t}`);
        return new Set(rows.map((r) => r.trial_id as string));
      });
    },
    read(question) {
      return withSql(async (sql) => {
        const rows = question === undefined
          ? await sql.unsafe(`SELECT * FROM ${t} ORDER BY recorded_at, trial_id COLLATE "C"`)
          : await sql.unsafe(
            `SELECT * FROM ${t} WHERE question = $1 ORDER BY recorded_at, trial_id COLLATE "C"`,
            [question],
          );
        return rows.map((r) => {
          const b = r.returns as Uint8Array;
          const copy = new Uint8Array(b.byteLength);
          copy.set(b);
          return {
            trialId: r.trial_id as string,
            question: r.question as string,
            kind: r.kind as string,
            recordedAt: r.recorded_at as Date,
            codeVersion: r.code_version as string,
            dataManifest: r.data_manifest as string,
            paramsJson: r.params_json as string,
            periodsPerYear: Number(r.periods_per_year),
            observations: Number(r.observations),
            sharpe: r.sharpe === null ? NaN : Number(r.sharpe),
            skew: r.skew === null ? NaN : Number(r.skew),
            kurtosis: r.kurtosis === null ? NaN : Number(r.kurtosis),
            returns: new Float64Array(copy.buffer),
            periods: r.periods_json ? JSON.parse(r.periods_json as string) : null,
          } satisfies TrialRecord;
        });
      });
    },
  };
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

/** Options of {@linkcode recordTrial} and the ledger readers. */
export interface LedgerOptions {
  /**
   * Storage of the ledger.
   * @default pgLedgerStore(WORKBENCH_CATALOG) when that is set, else lakeLedgerStore({ root })
   */
  store?: LedgerStore;
  /**
   * Lake root for the default store.
   * @default lakeRoot()
   */
  root?: string;
  /**
   * Recording instant.
   * @default new Date()
   */
  now?: Date;
}

function storeOf(options: LedgerOptions): LedgerStore {
  if (options.store) return options.store;
  if (catalogConfigured()) return pgLedgerStore(Deno.env.get("WORKBENCH_CATALOG")!);
  return lakeLedgerStore(options.root === undefined ? {} : { root: options.root });
}

/** Result of {@linkcode recordTrial}. */
export interface RecordTrialResult {
  /** The record (for a duplicate: as computed now; the ledger keeps the first one). */
  record: TrialRecord;
  /** True when the trial id was already in the ledger and nothing was written. */
  duplicate: boolean;
}

function buildRecord(input: TrialInput, id: string, now: Date): TrialRecord {
  const { periodsPerYear = TRADING_DAYS_PER_YEAR, kind = "backtest" } = input;
  if (!input.question) throw new RangeError("Cannot record trial: question is empty");
  const returns = Float64Array.from(input.returns);
  if (returns.length === 0) {
    throw new RangeError(`Cannot record trial for ${input.question}: no returns`);
  }
  for (let i = 0; i < returns.length; i++) {
    if (!Number.isFinite(returns[i]!)) {
      throw new RangeError(
        `Cannot record trial for ${input.question}: return at index ${i} is ${returns[i]}`,
      );
    }
  }
  if (input.periods !== undefined && input.periods.length !== returns.length) {
    throw new RangeError(
      `Cannot record trial for ${input.question}: ${input.periods.length} periods for ${returns.length} returns`,
    );
  }
  if (!(periodsPerYear > 0)) {
    throw new RangeError(`Cannot record trial: periodsPerYear must be > 0, got ${periodsPerYear}`);
  }
  const m = moments(returns);
  return {
    trialId: id,
    question: input.question,
    kind,
    recordedAt: now,
    codeVersion: input.codeVersion,
    dataManifest: input.dataManifest,
    paramsJson: canonicalJson(input.params),
    periodsPerYear,
    observations: returns.length,
    sharpe: sharpeRatio(returns),
    skew: m.skew,
    kurtosis: m.kurtosis,
    returns,
    periods: input.periods === undefined ? null : Array.from(input.periods),
  };
}

/**
 * Append trials to the ledger in one write (use this for sweeps: each lake write rewrites the
 * ledger file, so one write per batch is much cheaper than one per trial). The trial id hashes
 * question, code version, data manifest and parameters: a configuration already in the ledger
 * (or repeated within the batch) is not written again (append-only: the first record stays).
 * Summary statistics (per-period Sharpe with ddof 1, biased skew, raw kurtosis) are computed at
 * recording time. Returns must be finite (a RangeError names the first bad index), non-empty,
 * and as long as `periods` when given; the whole batch is checked before anything is written.
 *
 * @example
 * ```ts ignore
 * import { recordTrials } from "./ledger.ts";
 * await recordTrials(configs.map((params) => ({ question: "spy-momentum", codeVersion: "abc123",
 *   dataManifest: "m1", params, returns: run(params) })));
 * ```
 */
export async function recordTrials(
  inputs: TrialInput[],
  options: LedgerOptions = {},
): Promise<RecordTrialResult[]> {
  const now = options.now ?? new Date();
  const records: TrialRecord[] = [];
  for (const input of inputs) records.push(buildRecord(input, await trialId(input), now));
  if (records.length === 0) return [];
  const store = storeOf(options);
  const seen = await store.ids();
  const out: RecordTrialResult[] = [];
  const fresh: TrialRecord[] = [];
  for (const record of records) {
    const duplicate = seen.has(record.trialId);
    if (!duplicate) {
      seen.add(record.trialId);
      fresh.push(record);
    }
    out.push({ record, duplicate });
  }
  await store.append(fresh);
  return out;
}

/**
 * Append one trial to the ledger; see {@linkcode recordTrials} (same rules, batch of one).
 *
 * @example
 * ```ts ignore
 * import { recordTrial } from "./ledger.ts";
 * await recordTrial({ question: "spy-momentum", codeVersion: "abc123", dataManifest: "m1",
 *   params: { lookback: 20 }, returns: dailyNetReturns });
 * ```
 */
export async function recordTrial(
  input: TrialInput,
  options: LedgerOptions = {},
): Promise<RecordTrialResult> {
  return (await recordTrials([input], options))[0]!;
}

/** The records of one research question, in recording order. */
export function readTrials(question: string, options: LedgerOptions = {}): Promise<TrialRecord[]> {
  return storeOf(options).read(question);
}

/** What DSR needs from the ledger for one question. */
export interface TrialStats {
  /** Number of trials N recorded for the question. */
  trials: number;
  /** Variance (ddof 1) of the trials' per-period Sharpe ratios; 0 with one trial. */
  srVariance: number;
  /** Mean per-period Sharpe of the trials. */
  srMean: number;
  /** Periods per year shared by the trials. */
  periodsPerYear: number;
  /** Id and per-period Sharpe of the best trial. */
  bestTrialId: string;
  bestSharpe: number;
}

/**
 * Number of trials and the variance of their per-period Sharpe ratios, for DSR:
 * N = count of records, V = sample variance (ddof 1) of their `sharpe`. Trials with an
 * undefined Sharpe (one observation) are rejected, as are mixed periodicities. Note: N counts
 * configurations, not independent ones; correlated trials overstate N (conservative DSR).
 *
 * @example
 * ```ts ignore
 * const stats = trialStats(await readTrials("spy-momentum"));
 * deflatedSharpe({ sr, trials: stats.trials, srVariance: stats.srVariance, observations });
 * ```
 */
export function trialStats(records: TrialRecord[]): TrialStats {
  if (records.length === 0) throw new RangeError("Cannot compute trial statistics: no trials");
  const ppy = records[0]!.periodsPerYear;
  const srs = new Float64Array(records.length);
  let best = 0;
  records.forEach((r, i) => {
    if (r.periodsPerYear !== ppy) {
      throw new RangeError(
        `Cannot compute trial statistics for ${r.question}: trial ${r.trialId} has ${r.periodsPerYear} periods per year, others ${ppy}`,
      );
    }
    if (!Number.isFinite(r.sharpe)) {
      throw new RangeError(
        `Cannot compute trial statistics for ${r.question}: trial ${r.trialId} has Sharpe ${r.sharpe}`,
      );
    }
    srs[i] = r.sharpe;
    if (r.sharpe > srs[best]!) best = i;
  });
  let s = 0;
  for (const v of srs) s += v;
  return {
    trials: records.length,
    srVariance: records.length > 1 ? variance(srs, 1) : 0,
    srMean: s / records.length,
    periodsPerYear: ppy,
    bestTrialId: records[best]!.trialId,
    bestSharpe: srs[best]!,
  };
}

/**
 * The T x N return matrix of a question's trials for PBO, with the trial id of each column.
 * When every trial recorded `periods`, rows are the periods common to all trials (sorted);
 * otherwise trials must have equal length and are aligned by position.
 *
 * @example
 * ```ts ignore
 * const { matrix } = trialReturnMatrix(await readTrials("spy-momentum"));
 * pbo(matrix, { partitions: 16 });
 * ```
 */
export function trialReturnMatrix(
  records: TrialRecord[],
): { matrix: ReturnMatrix; trialIds: string[]; periods: (string | number)[] | null } {
  const n = records.length;
  if (n === 0) throw new RangeError("Cannot build the return matrix: no trials");
  const ids = records.map((r) => r.trialId);
  if (records.every((r) => r.periods !== null)) {
    const maps = records.map((r) => new Map(r.periods!.map((p, i) => [p, r.returns[i]!])));
    const common = [...maps[0]!.keys()].filter((p) => maps.every((m) => m.has(p)));
    common.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const values = new Float64Array(common.length * n);
    common.forEach((p, t) => maps.forEach((m, j) => values[t * n + j] = m.get(p)!));
    return { matrix: { values, rows: common.length, cols: n }, trialIds: ids, periods: common };
  }
  const t = records[0]!.returns.length;
  for (const r of records) {
    if (r.returns.length !== t) {
      throw new RangeError(
        `Cannot build the return matrix for ${r.question}: trial ${r.trialId} has ${r.returns.length} returns, the first has ${t}, and not every trial recorded periods`,
      );
    }
  }
  const values = new Float64Array(t * n);
  records.forEach((r, j) => {
    for (let i = 0; i < t; i++) values[i * n + j] = r.returns[i]!;
  });
  return { matrix: { values, rows: t, cols: n }, trialIds: ids, periods: null };
}
