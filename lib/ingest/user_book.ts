/**
 * `ingest-file --kind book`: a LOBSTER message file and its order-book file (found beside it by
 * the naming convention, `_message_` -> `_orderbook_`) into `curated/user/<dataset>` with lineage
 * and `known_at` (lib/book/lake.ts describes the columns). Rows that cannot be read (wrong field
 * count, non-integer fields, times going back, unknown event types, crossed books, ...) go to
 * raw/user/quarantine with a reason code and both file lines as payload; the rest land.
 */
import { basename, dirname, join } from "node:path";
import { existsSync } from "node:fs";
import { parseLobster, parseLobsterFileName } from "../book/lobster.ts";
import { bookDatasetSpec, bookDayToFrame } from "../book/lake.ts";
import { type DatasetSpec, writeDataset, type WriteResult } from "../lake/mod.ts";
import { type QuarantineRow, writeQuarantine } from "./quarantine.ts";

/** Options of {@linkcode ingestBookFile}. */
export interface IngestBookOptions {
  /** Dataset name (snake_case): curated/user/NAME. */
  dataset: string;
  /** The order-book file. @default the message file's name with `_message_` -> `_orderbook_` */
  orderbook?: string;
  /** Symbol. @default from the file name */
  symbol?: string;
  /** Lake root. @default lakeRoot() */
  root?: string;
}

/** What an ingest of a book day did. */
export interface IngestBookSummary {
  symbol: string;
  date: string;
  levels: number;
  rowsRead: number;
  rowsValid: number;
  rowsQuarantined: number;
  reasons: Record<string, number>;
  write: WriteResult | null;
  dataset: DatasetSpec;
}

/** The order-book file that belongs to a LOBSTER message file. */
export function orderbookPathOf(messagePath: string): string {
  return join(dirname(messagePath), basename(messagePath).replace("_message_", "_orderbook_"));
}

/**
 * Load one LOBSTER day (message + order-book file) into the lake. The file name must follow the
 * LOBSTER convention (`TICKER_YYYY-MM-DD_Start_End_message_LEVEL.csv`): it carries the date and
 * the number of levels. Throws a RangeError naming the file when the name, the pairing or the
 * level count is wrong (nothing is written then).
 *
 * @example
 * ```ts ignore
 * await ingestBookFile("AAPL_2012-06-21_34200000_57600000_message_5.csv", { dataset: "aapl_book" });
 * ```
 */
export async function ingestBookFile(
  messagePath: string,
  options: IngestBookOptions,
): Promise<IngestBookSummary> {
  const name = parseLobsterFileName(messagePath);
  if (!name || name.kind !== "message") {
    throw new RangeError(
      `${
        basename(messagePath)
      }: not a LOBSTER message file name (TICKER_YYYY-MM-DD_StartMs_EndMs_message_LEVEL.csv)`,
    );
  }
  const obPath = options.orderbook ?? orderbookPathOf(messagePath);
  if (!existsSync(obPath)) {
    throw new RangeError(
      `${basename(messagePath)}: its order-book file ${basename(obPath)} is missing`,
    );
  }
  const obName = parseLobsterFileName(obPath);
  if (obName && (obName.date !== name.date || obName.levels !== name.levels)) {
    throw new RangeError(
      `${basename(obPath)} does not belong to ${
        basename(messagePath)
      } (date or level count differs)`,
    );
  }
  const symbol = options.symbol ?? name.symbol;
  const [msgText, obText] = await Promise.all([
    Deno.readTextFile(messagePath),
    Deno.readTextFile(obPath),
  ]);
  const { day, problems } = parseLobster(msgText, obText, {
    symbol,
    date: name.date,
    levels: name.levels,
  });
  const spec = bookDatasetSpec(options.dataset, name.levels);
  const sourceUri = `file://${basename(messagePath)}`;
  const transformId = `ingest-file@2:book:lobster`;
  let write: WriteResult | null = null;
  if (day.length > 0) {
    write = await writeDataset(spec, bookDayToFrame(day), {
      transformId,
      sourceUri,
      ...(options.root ? { root: options.root } : {}),
    });
  }
  const reasons: Record<string, number> = {};
  if (problems.length) {
    const rows: QuarantineRow[] = problems.map((p) => {
      reasons[p.code] = (reasons[p.code] ?? 0) + 1;
      const ref = `${sourceUri}#row=${p.line}`;
      return {
        dataset: options.dataset,
        unitId: ref,
        unitStart: name.date,
        stage: "validate",
        reason: p.code,
        detail: p.detail,
        payload: JSON.stringify({ message: p.message, orderbook: p.orderbook }),
        payloadRef: ref,
      };
    });
    await writeQuarantine("user", rows, { transformId, sourceUri, root: options.root });
  }
  return {
    symbol,
    date: name.date,
    levels: name.levels,
    rowsRead: day.length + problems.length,
    rowsValid: day.length,
    rowsQuarantined: problems.length,
    reasons,
    write,
    dataset: spec,
  };
}

/**
 * The `ingest-file --kind book` branch: ingest, print the summary, return the exit code (0
 * landed, 1 nothing landed or more than 1% of rows quarantined).
 */
export async function ingestBookTask(
  file: string,
  dataset: string,
  symbol?: string,
): Promise<number> {
  const s = await ingestBookFile(file, { dataset, ...(symbol !== undefined ? { symbol } : {}) });
  const share = s.rowsRead === 0 ? 0 : s.rowsQuarantined / s.rowsRead;
  console.log(`ingest-file ${file} -> curated/user/${dataset}`);
  console.log(`  book (LOBSTER), ${s.symbol} ${s.date}, ${s.levels} levels, date partitions`);
  console.log(`  rows read:        ${s.rowsRead}`);
  console.log(
    `  rows landed:      ${s.rowsValid} (${
      s.write?.noop ? "already in the lake" : `${s.write?.rowsWritten ?? 0} new or changed`
    })`,
  );
  console.log(
    `  rows quarantined: ${s.rowsQuarantined} (${(share * 100).toFixed(2)}%)${
      s.rowsQuarantined ? " -> raw/user/quarantine (view ingest_quarantine)" : ""
    }`,
  );
  for (const [r, n] of Object.entries(s.reasons)) console.log(`    ${r}: ${n}`);
  if (s.rowsValid === 0) {
    console.error("ingest-file: no row landed");
    return 1;
  }
  if (share > 0.01) {
    console.error(`ingest-file: ${(share * 100).toFixed(2)}% of rows quarantined, more than 0.01`);
    return 1;
  }
  return 0;
}
