/**
 * Messages for a dataset reference that does not match the lake: an unknown dataset name (the
 * closest name a user would read, and the list of those) and symbols the dataset does not hold
 * (the closest symbol, case-insensitive, and a few of the dataset's symbols with their count).
 * The suggestion is lib/cli `didYouMean` (edit distance, case-insensitive), the one used for
 * unknown spec fields; nothing here matches silently: the caller refuses the reference.
 *
 * Internal datasets (never listed nor suggested): a name with a segment starting with `_`, a
 * producer's `quarantine` table (lib/ingest quarantine), the validation trial ledger
 * (`reference/validation/trial_ledger`, lib/validation ledger). The raw zone (vendor payloads
 * as received) is listed only when the reference names the raw zone: a reference without zone
 * reads the curated one.
 *
 * @example
 * ```ts
 * unknownSymbolsMessage("curated/user/eu", ["CO2"], ["co2", "gdp"]);
 * // 'symbols: curated/user/eu has no "CO2" (did you mean "co2"?); its 2 symbols: co2, gdp'
 * ```
 */
import { didYouMean } from "../cli/spec_schema.ts";

/** Datasets of the lake's own bookkeeping (lib/validation `TRIAL_LEDGER_SPEC`). */
const INTERNAL_DATASETS: ReadonlySet<string> = new Set(["reference/validation/trial_ledger"]);

/** How many symbols a message lists before "..." (datasets are all listed: a lake holds tens). */
export const LIST_LIMIT = 8;

/** Whether `zone/source/dataset` is lake bookkeeping rather than data a user reads (module doc). */
export function isInternalDataset(name: string): boolean {
  const parts = name.split("/");
  return parts.some((p) => p.startsWith("_")) || parts[2] === "quarantine" ||
    parts[2]?.endsWith("_quarantine") === true || INTERNAL_DATASETS.has(name);
}

/** A `zone/source/dataset` name as a reference writes it: `source/dataset` for the curated zone. */
export function referenceName(name: string): string {
  return name.startsWith("curated/") ? name.slice("curated/".length) : name;
}

/**
 * The datasets of `held` (`zone/source/dataset`) a user would read: not internal; curated and
 * reference zones, and raw too when `zone` is raw.
 */
export function readableDatasets(held: readonly string[], zone?: string): string[] {
  return held.filter((n) => {
    if (isInternalDataset(n)) return false;
    const z = n.split("/")[0];
    return z === "curated" || z === "reference" || (zone === "raw" && z === "raw");
  });
}

/**
 * The readable dataset closest to `name` (`zone/source/dataset`), as a reference writes it, or
 * undefined: first by dataset name among the same zone and source (`user/eu_indicez` ->
 * `user/eu_indices`), then by `source/dataset` among the same zone (`polgon/splits` ->
 * `polygon/splits`).
 */
export function closestDataset(name: string, readable: readonly string[]): string | undefined {
  const [zone, source, dataset] = name.split("/") as [string, string, string];
  const sameZone = readable.filter((n) => n.startsWith(`${zone}/`));
  const sameSource = sameZone.filter((n) => n.split("/")[1] === source);
  const byName = didYouMean(dataset, sameSource.map((n) => n.split("/")[2]!));
  if (byName !== undefined) return referenceName(`${zone}/${source}/${byName}`);
  const bySource = didYouMean(
    `${source}/${dataset}`,
    sameZone.map((n) => n.split("/").slice(1).join("/")),
  );
  return bySource !== undefined ? referenceName(`${zone}/${bySource}`) : undefined;
}

/**
 * The message of an unknown dataset `name` (`zone/source/dataset`) given everything the lake
 * at `root` holds: the closest readable name, then the readable ones.
 *
 * @example
 * ```ts
 * unknownDatasetMessage("curated/user/eu_indicez", ["curated/user/eu_indices", "raw/user/quarantine"], "/lake");
 * // 'Unknown dataset curated/user/eu_indicez: did you mean user/eu_indices? The lake at /lake holds 1 dataset to read: user/eu_indices'
 * ```
 */
export function unknownDatasetMessage(name: string, held: readonly string[], root: string) {
  const readable = readableDatasets(held, name.split("/")[0]);
  const near = closestDataset(name, readable);
  const shown = [...readable].sort((a, b) => {
    // curated first (the zone a reference reads without naming one), then by name
    const ca = a.startsWith("curated/") ? 0 : 1, cb = b.startsWith("curated/") ? 0 : 1;
    return ca - cb || (a < b ? -1 : a > b ? 1 : 0);
  }).map(referenceName);
  const hint = near !== undefined ? ` did you mean ${near}?` : "";
  const list = shown.length
    ? `holds ${shown.length} dataset${shown.length === 1 ? "" : "s"} to read: ${shown.join(", ")}`
    : "holds no datasets to read";
  return `Unknown dataset ${name}:${hint}${hint ? " The" : " the"} lake at ${root} ${list}`;
}

/**
 * The message of symbols `absent` asked of `name` that it does not hold (`known`: the dataset's
 * symbols, sorted): each with its closest known symbol (case-insensitive or a few edits), then a
 * few of the known ones with their count.
 */
export function unknownSymbolsMessage(
  name: string,
  absent: readonly string[],
  known: readonly string[],
): string {
  const each = absent.map((s) => {
    const m = didYouMean(s, known);
    return m !== undefined ? `"${s}" (did you mean "${m}"?)` : `"${s}"`;
  });
  const head = known.slice(0, LIST_LIMIT).join(", ") + (known.length > LIST_LIMIT ? ", ..." : "");
  const has = known.length
    ? `its ${known.length} symbol${known.length === 1 ? "" : "s"}: ${head}`
    : "it holds no symbols";
  return `symbols: ${name} has no ${each.join(", ")}; ${has}`;
}
