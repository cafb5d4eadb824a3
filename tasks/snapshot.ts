/**
 * `deno task snapshot <pin|export|list|unpin|gc>`: pin the exact files of a dataset version so
 * other engines read a consistent snapshot, export them as DuckDB / Spark / Trino SQL and a plain
 * list, list and remove pins, and delete replaced files no pin holds any more.
 */
import { z } from "zod";
import { defineTask, JSON_OPTION, jsonOutput, runTask, UsageError } from "../lib/cli/mod.ts";
import { asOfInstant, resolveDatasetName } from "../lib/dataset/load.ts";
import {
  exportSnapshot,
  gcLakeSnapshots,
  type GcResult,
  gcSnapshots,
  getSnapshotPin,
  lakeRoot,
  listSnapshotPins,
  pinIsLive,
  pinSnapshot,
  type SnapshotPin,
  snapshotVersionCounts,
  unpinSnapshot,
} from "../lib/lake/mod.ts";

const COMMANDS = ["pin", "export", "list", "unpin", "gc"] as const;

const TASK = defineTask({
  name: "snapshot",
  summary:
    "Pin a dataset version's exact files and export them for DuckDB, Spark, Trino and Polars.",
  positionals: [
    { name: "command", description: "pin | export | list | unpin | gc", required: true },
  ],
  options: {
    dataset: {
      type: "string",
      example: "user/msft_daily",
      description: "Lake dataset: source/name (curated zone) or zone/source/name",
    },
    version: {
      type: "integer",
      min: 1,
      description: "pin: manifest version (number of entries folded; default the latest)",
    },
    "as-of": {
      type: "string",
      example: "2024-06-28T20:00:00Z",
      description:
        "pin: only rows known at or before this instant (a date: the end of that UTC day)",
    },
    expires: {
      type: "string",
      example: "7d",
      description: "pin: stop holding the files after this (ISO instant, or Nd / Nh from now)",
    },
    id: {
      type: "string",
      example: "paper-2024q2",
      description: "pin: name of the new pin (default v<version>-<hex>); export/unpin: the pin",
    },
    out: {
      type: "path",
      description: "pin, export: folder for the exported SQL, list and symlink manifests",
    },
    view: {
      type: "string",
      example: "msft_daily_q2",
      description: "export: view and file name stem (default <dataset>_<id>)",
    },
    "uri-root": {
      type: "string",
      example: "s3://bucket/lake",
      description:
        "export: build file addresses from this root instead of the pin's (a folder or s3:// URI)",
    },
    json: JSON_OPTION,
  },
  details: `Commands:
  pin      Record the files of a manifest version under \${WORKBENCH_DATA}/_meta/<zone>/<source>/
           <dataset>/pins/<id>.json (under the dataset lock). While the pin exists, writes and
           compactions that replace these files leave them on disk, and verify does not call
           them strays. With --out, also exports (as export does).
  export   Write <view>.duckdb.sql (a view over read_parquet of the exact files, Hive
           partitioning, union by name, the as-of filter), <view>.spark.sql (temporary view with
           the files as one Hadoop glob alternation, plus the explicit-list DataFrame form),
           <view>.trino.sql (Trino cannot read a file list: a Hive symlink table over
           <view>_symlink/<partition>/manifest), <view>.polars.py (Python Polars over the
           files), <view>.files.tsv (uri, partition, sha256, rows, bytes) and <view>.pin.json.
           Local files are checked against their sha256 first. A versioned dataset (user
           datasets: key symbol, date|ts, known_at; a revision is a new row, the old one stays)
           is read as one row per (symbol, time), the greatest known_at (<= --as-of) in every
           export, whose header states that row count and the stored versions.
  list     The pins of --dataset, or of every dataset.
  unpin    Remove pin --id of --dataset (its files stay until gc).
  gc       Remove expired pins and delete files that writes or compactions replaced and no pin
           holds (of --dataset, or of every dataset). Never touches files the manifest never listed.

A version whose files were already deleted (replaced while no pin held them) cannot be pinned.
File addresses are absolute paths for a local lake, s3://bucket/key for an s3:// root.

Exit codes: 0 done, 1 the pin, export or gc failed (message says why), 2 bad arguments.`,
  examples: [
    "pin --dataset user/msft_daily --as-of 2024-06-28 --out snapshots/",
    "pin --dataset raw/polygon/stock_bars_minute --version 12 --id paper --expires 30d",
    "export --dataset user/msft_daily --id paper --out snapshots/",
    "list",
    "unpin --dataset user/msft_daily --id paper",
    "gc",
  ],
});

const DURATION = /^(\d+)([dh])$/;

/** The checked arguments of one command (zod: which options each command takes). */
const Args = z.discriminatedUnion("command", [
  z.object({
    command: z.literal("pin"),
    dataset: z.string({ error: "pin needs --dataset" }),
    version: z.number().int().min(1).optional(),
    asOf: z.date().optional(),
    expires: z.date().optional(),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "--id: letters, digits, _ . -")
      .optional(),
    out: z.string().optional(),
    view: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "--view: letters, digits and _")
      .optional(),
    uriRoot: z.string().optional(),
  }).strict(),
  z.object({
    command: z.literal("export"),
    dataset: z.string({ error: "export needs --dataset" }),
    id: z.string({ error: "export needs --id" }),
    out: z.string({ error: "export needs --out" }),
    view: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "--view: letters, digits and _")
      .optional(),
    uriRoot: z.string().optional(),
  }).strict(),
  z.object({ command: z.literal("list"), dataset: z.string().optional() }).strict(),
  z.object({
    command: z.literal("unpin"),
    dataset: z.string({ error: "unpin needs --dataset" }),
    id: z.string({ error: "unpin needs --id" }),
  }).strict(),
  z.object({ command: z.literal("gc"), dataset: z.string().optional() }).strict(),
]);

function parseExpires(s: string, now: Date): Date {
  const m = DURATION.exec(s);
  if (m) return new Date(now.getTime() + Number(m[1]) * (m[2] === "d" ? 86_400_000 : 3_600_000));
  const ms = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(ms)) {
    throw new UsageError(`--expires ${JSON.stringify(s)}: expected an ISO instant or Nd / Nh`);
  }
  if (ms <= now.getTime()) throw new UsageError(`--expires ${s} is in the past`);
  return new Date(ms);
}

function describePin(p: SnapshotPin, versioned = ""): string {
  return `${p.dataset} pin ${p.id}: version ${p.version} of ${p.entries_at_pin}, ${p.files.length} files, ${p.rows} rows${versioned}${
    p.as_of ? `, as of ${p.as_of}` : ""
  }, pinned ${p.created_at}${p.expires_at ? `, expires ${p.expires_at}` : ""}${
    pinIsLive(p) ? "" : " (expired)"
  }`;
}

/**
 * For a pin of a versioned dataset (several rows per key once a value was revised), what its
 * exports return: " (N after the latest-version selection)"; "" for other datasets.
 */
async function versionedRows(p: SnapshotPin): Promise<string> {
  const c = await snapshotVersionCounts(p);
  if (c === null) return "";
  return ` stored (${c.latest} after the latest-version selection${
    p.as_of ? ` as of ${p.as_of}` : ""
  }: one row per ${c.entityKey.join(", ")})`;
}

await runTask(TASK, async ({ values, positionals }) => {
  const command = positionals[0]!;
  if (!(COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(`unknown command ${JSON.stringify(command)}: use ${COMMANDS.join(", ")}`);
  }
  const now = new Date();
  let asOf: Date | undefined;
  if (values["as-of"] !== undefined) {
    try {
      asOf = asOfInstant(values["as-of"]);
    } catch {
      throw new UsageError(
        `--as-of ${JSON.stringify(values["as-of"])}: not an ISO date or datetime`,
      );
    }
  }
  const raw: Record<string, unknown> = { command };
  const put = (k: string, v: unknown) => {
    if (v !== undefined && v !== false) raw[k] = v;
  };
  put("dataset", values.dataset);
  put("version", values.version);
  put("asOf", asOf);
  put("expires", values.expires !== undefined ? parseExpires(values.expires, now) : undefined);
  put("id", values.id);
  put("out", values.out);
  put("view", values.view);
  put("uriRoot", values["uri-root"]);
  const parsed = Args.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    const flag: Record<string, string> = { asOf: "--as-of", uriRoot: "--uri-root" };
    const keys = i.code === "unrecognized_keys" ? i.keys : [];
    throw new UsageError(
      keys.length
        ? `${command} does not take ${keys.map((k) => flag[k] ?? `--${k}`).join(", ")}`
        : i.message,
    );
  }
  const a = parsed.data;
  let where: ReturnType<typeof resolveDatasetName> | null = null;
  if ("dataset" in a && a.dataset !== undefined) {
    if (a.dataset.startsWith("view:")) {
      throw new UsageError(`--dataset ${a.dataset}: a view cannot be pinned; pin its datasets`);
    }
    try {
      where = resolveDatasetName(a.dataset);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  }
  const out = jsonOutput(values.json);
  const root = lakeRoot();
  switch (a.command) {
    case "pin": {
      const pin = await pinSnapshot(where!, {
        ...(a.version !== undefined ? { version: a.version } : {}),
        ...(a.asOf ? { asOf: a.asOf } : {}),
        ...(a.expires ? { expiresAt: a.expires } : {}),
        ...(a.id ? { id: a.id } : {}),
        now,
      });
      out.say(`pinned ${describePin(pin, await versionedRows(pin))}`);
      let files = null;
      if (a.out) {
        files = await exportSnapshot(pin, a.out, {
          ...(a.view ? { view: a.view } : {}),
          ...(a.uriRoot ? { root: a.uriRoot } : {}),
        });
        out.say(
          `exported to ${a.out}: ${files.duckdb}, ${files.spark}, ${files.trino}, ${files.polars}, ${files.list}`,
        );
      }
      out.emit({ task: "snapshot", command, root, pin, export: files });
      return 0;
    }
    case "export": {
      const pin = await getSnapshotPin(where!, a.id);
      const files = await exportSnapshot(pin, a.out, {
        ...(a.view ? { view: a.view } : {}),
        ...(a.uriRoot ? { root: a.uriRoot } : {}),
      });
      out.say(`exported ${describePin(pin, await versionedRows(pin))}`);
      out.say(
        `  ${files.duckdb}\n  ${files.spark}\n  ${files.trino}\n  ${files.polars}\n  ${files.list}`,
      );
      out.emit({ task: "snapshot", command, root, pin: pin.id, export: files });
      return 0;
    }
    case "list": {
      const pins = await listSnapshotPins(where, root);
      for (const p of pins) out.say(describePin(p));
      if (pins.length === 0) out.say(`No pins${where ? ` on ${a.dataset}` : ""} under ${root}`);
      out.emit({
        task: "snapshot",
        command,
        root,
        pins: pins.map(({ files, ...rest }) => ({ ...rest, files: files.length })),
      });
      return 0;
    }
    case "unpin": {
      const pin = await unpinSnapshot(where!, a.id, root);
      out.say(
        `removed ${describePin(pin)}; run \`deno task snapshot gc\` to delete its kept files`,
      );
      out.emit({ task: "snapshot", command, root, pin: pin.id });
      return 0;
    }
    case "gc": {
      const results: GcResult[] = where ? [await gcSnapshots(where)] : await gcLakeSnapshots();
      for (const r of results) {
        if (!r.expiredPins.length && !r.deleted.length && !r.kept.length) continue;
        out.say(
          `${r.dataset}: ${r.expiredPins.length} expired pins removed, ${r.deleted.length} replaced files deleted, ${r.kept.length} kept for live pins`,
        );
      }
      const deleted = results.reduce((s, r) => s + r.deleted.length, 0);
      out.say(`gc: ${deleted} files deleted in ${results.length} datasets`);
      out.emit({ task: "snapshot", command, root, datasets: results });
      return 0;
    }
  }
});
