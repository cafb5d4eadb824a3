/**
 * Versions of a user dataset on re-ingest (lib/ingest/user_file.ts): a user dataset keeps every
 * version of a (symbol, time), keyed (symbol, date|ts, known_at) (lib/lake versions.ts). Per
 * incoming row, against what is stored:
 * - no stored version of its (symbol, time): `new`, lands as read;
 * - its known_at came from the file (a known_at or realtime_start column): a stored version
 *   with the same known_at and the same values is `unchanged` (nothing written), with other
 *   values it is that very version corrected in place (`corrected`, a warning names it); else
 *   the version in effect at that known_at (the latest stored one known by then) with the same
 *   values makes it `unchanged` (a repeat), and otherwise it is a new version (`revised`: an
 *   earlier or later vintage);
 * - its known_at derived by the rule (bar close, period close, + lag): compared with the LATEST
 *   stored version: the same values are `unchanged`; other values are a revision known from the
 *   later of the rule's known_at and the ingest instant (it cannot have been known before it was
 *   ingested), `revised`; when that is not after the latest version's known_at (a version not
 *   yet known at the ingest instant), that version is corrected in place (`corrected`).
 * Unchanged rows are dropped before the write, so a re-ingest of the same file writes nothing.
 * Values are compared exactly (blank = blank); lineage and known_at are not values.
 *
 * A dataset written before versions (key (symbol, time)) holds one version per (symbol, time):
 * its rows are valid versions, and the next write records the versioned key in its manifest.
 */
import pl from "nodejs-polars";
import {
  committedState,
  type DatasetSpec,
  KNOWN_AT,
  metaDir,
  readDataset,
  readManifestLog,
  stateAtVersion,
} from "../lake/mod.ts";
import { remoteOf } from "../lake/store/files.ts";
import { datasetName } from "../lake/store/remote.ts";

/** What a re-ingest did to the versions of the stored rows (module doc). */
export interface VersionCounts {
  /** Rows of a (symbol, time) nothing was stored for. */
  new: number;
  /** New versions of a stored (symbol, time), the earlier versions kept. */
  revised: number;
  /** Rows equal to the stored version they meet: not written. */
  unchanged: number;
  /** Stored versions (same known_at) whose values the file changed: replaced in place. */
  corrected: number;
  /** The first few revisions, e.g. "MSFT 2001-08-30 close 56.94 -> 58.0788, known from ...". */
  revisions: string[];
  /** The first few in-place corrections. */
  corrections: string[];
  /**
   * Unchanged rows whose derived known_at (this run's rule: calendar, --known-lag) differs from
   * the stored latest version's: the stored known_at is kept (`--replace` re-dates them); one
   * example, e.g. "GDP 2007-01-01 stored known from 2007-03-30T20:00Z, this run says ...".
   */
  knownAtKept: { rows: number; example: string };
}

/** How many examples {@link VersionCounts} lists. */
export const VERSION_EXAMPLES = 5;

function fmt(v: unknown): string {
  return v === null || v === undefined ? "blank" : String(v);
}

function isoOf(ms: number): string {
  return new Date(ms).toISOString().replace(":00.000Z", "Z").replace(".000Z", "Z");
}

/**
 * Classify the rows of `out` (columns symbol, the spec's time column, the values, known_at)
 * against the stored versions (module doc) and give the rows to write (unchanged ones dropped,
 * revisions' known_at moved to the ingest instant when later) with the counts. `version`: against
 * the dataset as of that manifest version instead of the latest.
 */
export async function mergeVersions(
  spec: DatasetSpec,
  out: pl.DataFrame,
  options: { root?: string; now: Date; fileKnown: boolean; version?: number },
): Promise<{ rows: pl.DataFrame; counts: VersionCounts }> {
  const counts: VersionCounts = {
    new: out.height,
    revised: 0,
    unchanged: 0,
    corrected: 0,
    revisions: [],
    corrections: [],
    knownAtKept: { rows: 0, example: "" },
  };
  const state = options.version === undefined
    ? await committedState(spec, options.root)
    : options.version === 0
    ? null
    : await stateAtVersion(spec, options.version, options.root);
  if (!state || state.files.length === 0 || out.height === 0) return { rows: out, counts };
  const t = spec.timeColumn;
  const valueCols = out.columns.filter((c) => c !== "symbol" && c !== t && c !== KNOWN_AT);
  const symbols = [...new Set(out.getColumn("symbol").toArray() as string[])];
  const tMs = (df: pl.DataFrame) =>
    Array.from(
      df.getColumn(t).cast(t === "date" ? pl.Int32 : pl.Int64).toArray() as (number | bigint)[],
      (v) => t === "date" ? Number(v) * 86_400_000 : Number(v),
    );
  const fileT = tMs(out);
  let lo = Infinity, hi = -Infinity;
  for (const v of fileT) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const stored = await readDataset(spec, {
    root: options.root,
    columns: ["symbol", t, ...valueCols, KNOWN_AT],
    symbols,
    start: new Date(lo),
    end: new Date(hi + (t === "date" ? 86_400_000 : 1)),
    ...(options.version === undefined ? {} : { version: options.version }),
  });
  if (stored.height === 0) return { rows: out, counts };
  // Stored versions by (symbol, time), sorted by known_at.
  const key = (s: string, ms: number) => `${s}\u0000${ms}`;
  const sT = tMs(stored);
  const sSym = stored.getColumn("symbol").toArray() as string[];
  const sKnown = Array.from(stored.getColumn(KNOWN_AT).cast(pl.Int64).toArray(), Number);
  const sVals = valueCols.map((c) => stored.getColumn(c).toArray() as (number | null)[]);
  const versions = new Map<string, number[]>();
  for (let i = 0; i < stored.height; i++) {
    const k = key(sSym[i]!, sT[i]!);
    const list = versions.get(k);
    if (list) list.push(i);
    else versions.set(k, [i]);
  }
  for (const list of versions.values()) list.sort((a, b) => sKnown[a]! - sKnown[b]!);

  const fSym = out.getColumn("symbol").toArray() as string[];
  const fKnown = Array.from(out.getColumn(KNOWN_AT).cast(pl.Int64).toArray(), Number);
  const fVals = valueCols.map((c) => out.getColumn(c).toArray() as (number | null)[]);
  const same = (i: number, s: number) =>
    fVals.every((col, j) => (col[i] ?? null) === (sVals[j]![s] ?? null));
  const changes = (i: number, s: number) =>
    valueCols.map((c, j) => ({ c, from: sVals[j]![s], to: fVals[j]![i] }))
      .filter((d) => (d.from ?? null) !== (d.to ?? null))
      .map((d) => `${d.c} ${fmt(d.from)} -> ${fmt(d.to)}`).join(", ");
  const when = (i: number) =>
    t === "date" ? new Date(fileT[i]!).toISOString().slice(0, 10) : isoOf(fileT[i]!);
  const now = options.now.getTime();
  const keep: number[] = [];
  const known = fKnown.slice();
  counts.new = 0;
  for (let i = 0; i < out.height; i++) {
    const list = versions.get(key(fSym[i]!, fileT[i]!));
    if (!list) {
      counts.new++;
      keep.push(i);
      continue;
    }
    const latest = list.at(-1)!;
    let k = fKnown[i]!;
    let base: number | undefined; // the stored version this row is compared with
    if (options.fileKnown) {
      const at = list.find((s) => sKnown[s] === k);
      if (at !== undefined) {
        if (same(i, at)) {
          counts.unchanged++;
          continue;
        }
        counts.corrected++;
        if (counts.corrections.length < VERSION_EXAMPLES) {
          counts.corrections.push(
            `${fSym[i]} ${when(i)} known from ${isoOf(k)}: ${changes(i, at)}`,
          );
        }
        keep.push(i);
        continue;
      }
      base = list.filter((s) => sKnown[s]! <= k).at(-1);
      if (base !== undefined && same(i, base)) {
        counts.unchanged++;
        continue;
      }
    } else {
      base = latest;
      if (same(i, latest)) {
        counts.unchanged++;
        if (k !== sKnown[latest] && counts.knownAtKept.rows++ === 0) {
          counts.knownAtKept.example = `${fSym[i]} ${when(i)} stored known from ${
            isoOf(sKnown[latest]!)
          }, this run says ${isoOf(k)}`;
        }
        continue;
      }
      k = Math.max(k, now);
      if (k <= sKnown[latest]!) {
        // The latest version is not known yet at the ingest instant: corrected in place.
        known[i] = sKnown[latest]!;
        counts.corrected++;
        if (counts.corrections.length < VERSION_EXAMPLES) {
          counts.corrections.push(
            `${fSym[i]} ${when(i)} known from ${isoOf(sKnown[latest]!)}: ${changes(i, latest)}`,
          );
        }
        keep.push(i);
        continue;
      }
      known[i] = k;
    }
    counts.revised++;
    if (counts.revisions.length < VERSION_EXAMPLES) {
      const b = base ?? list[0]!;
      const prior = base === undefined
        ? `; a later version (known from ${isoOf(sKnown[b]!)}) is stored`
        : `; as-of reads before that see ${
          valueCols.map((c, j) => ({ c, from: sVals[j]![b], to: fVals[j]![i] }))
            .filter((d) => (d.from ?? null) !== (d.to ?? null))
            .map((d, _, all) => (all.length === 1 ? "" : `${d.c} `) + fmt(d.from)).join(", ")
        }`;
      counts.revisions.push(
        `${fSym[i]} ${when(i)} ${changes(i, b)}, known from ${isoOf(k)}${prior}`,
      );
    }
    keep.push(i);
  }
  if (keep.length === out.height && known.every((k, i) => k === fKnown[i])) {
    return { rows: out, counts };
  }
  const idx = "__row";
  const sel = pl.DataFrame({ [idx]: keep });
  const rows = out.withColumns(
    pl.Series(KNOWN_AT, known, pl.Float64).cast(pl.Int64).cast(pl.Datetime("ms", "UTC")),
  ).withRowIndex(idx).join(sel.withColumns(pl.col(idx).cast(pl.UInt32)), {
    on: idx,
    how: "semi",
  }).sort(idx).drop(idx);
  return { rows, counts };
}

/**
 * The counts of a merge done again against the state its write's commit found, when the commit
 * found some of the merged rows already stored (`rowsWritten` below the rows given): another
 * writer committed them between {@link mergeVersions}' read (before the write lock) and this
 * write (two ingests of one file at once). The state is the manifest version just before this
 * write's entry (`writeId`), or the latest when the write was a no-op. Null when the commit found
 * nothing already stored (the first merge's counts stand).
 */
export async function countsAtCommit(
  spec: DatasetSpec,
  out: pl.DataFrame,
  merged: pl.DataFrame,
  write: { rowsWritten: number; noop: boolean; writeId: string | null },
  options: { root?: string; now: Date; fileKnown: boolean },
): Promise<VersionCounts | null> {
  if (write.rowsWritten >= merged.height) return null;
  const latest = await committedState(spec, options.root);
  let version = latest.entries;
  if (!write.noop && write.writeId !== null) {
    const lake = remoteOf(options.root);
    // committedState just read a remote lake's entries into `seen`.
    const entries = lake
      ? lake.seen.get(datasetName(spec)) ?? []
      : readManifestLog(metaDir(spec, options.root)).entries;
    const at = entries.findIndex((e) => e.write_id === write.writeId);
    if (at < 0) return null;
    version = at;
  }
  return (await mergeVersions(spec, out, { ...options, version })).counts;
}

/** The warnings of a merge's revisions and in-place corrections (none when there were none). */
export function versionWarnings(c: VersionCounts): string[] {
  const out: string[] = [];
  const more = (n: number, shown: number) => n > shown ? `; and ${n - shown} more` : "";
  if (c.revised > 0) {
    out.push(
      `${c.revised} stored value${c.revised === 1 ? "" : "s"} revised by the file: ${
        c.revisions.join("; ")
      }${
        more(c.revised, c.revisions.length)
      }. The earlier versions are kept: as-of reads before a revision's known_at see the earlier value, later reads the new one (every version: the *_versions views)`,
    );
  }
  if (c.corrected > 0) {
    out.push(
      `${c.corrected} stored version${
        c.corrected === 1 ? "" : "s"
      } corrected in place (the file gives the same known_at with other values): ${
        c.corrections.join("; ")
      }${
        more(c.corrected, c.corrections.length)
      }. The old values are replaced, not kept: as-of reads from that known_at on see the new ones`,
    );
  }
  const kk = c.knownAtKept;
  if (kk.rows > 0) {
    out.push(
      `${kk.rows} row${kk.rows === 1 ? "" : "s"} equal to the stored ${
        kk.rows === 1 ? "one has" : "ones have"
      } another known_at by this run's rule (e.g. ${kk.example}; a different --known-lag or calendar?): the values are unchanged, so nothing was written and the stored known_at stays; to re-date them run again with --replace (the dataset then holds exactly the file's rows for its symbols)`,
    );
  }
  return out;
}

/** The counts in a line: "5 new, 1 revised (a new version), 243 unchanged (not written)". */
export function versionCountsText(c: VersionCounts): string {
  return `${c.new} new, ${c.revised} revised (new version${
    c.revised === 1 ? "" : "s"
  }, earlier kept), ${c.unchanged} unchanged (not written)${
    c.corrected ? `, ${c.corrected} corrected in place` : ""
  }`;
}
