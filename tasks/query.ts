/** `deno task query`: run SQL against the lake through the DuckDB catalog. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { redact } from "../lib/core/secret.ts";
import {
  Catalog,
  formatCsv,
  formatJson,
  formatTable,
  QueryRefusedError,
  skippedWarning,
} from "../lib/query/mod.ts";

const TASK = defineTask({
  name: "query",
  summary: "Run SQL against the lake through the DuckDB catalog (every view in sql/ registered).",
  positionals: [{
    name: "SQL",
    variadic: true,
    description: "The query (its words are joined with spaces); not with --views",
  }],
  options: {
    format: {
      type: "enum",
      values: ["table", "csv", "json"],
      description:
        "Output format: table (for reading; numbers to 10 significant digits), csv or json (numbers exact); default: csv for --out *.csv, json for --out *.json, else table",
    },
    out: {
      type: "path",
      example: "result.csv",
      description: "Write the result to this file (a .csv or .json name picks that format)",
    },
    views: { type: "boolean", description: "List the views with purpose, grain, inputs" },
    param: {
      type: "string",
      multiple: true,
      example: "SPY",
      description: "Value bound to the next ? placeholder of the query",
    },
    unsafe: {
      type: "boolean",
      description:
        "Lift the lock: several statements, COPY, ATTACH, SET, files outside the lake (trusted scripts only)",
    },
  },
  details: `Before the views are made, interrupted writes are recovered, and the views read only the
files the manifests list, each checked against its recorded sha256. A damaged file (missing,
unreadable, changed, or an object missing from the bucket) is left out of the views with a
warning on stderr naming the dataset, the file and the cause (run deno task verify --repair);
the other files and datasets are still read. A view with nothing left to read, or whose store
cannot be read (an S3 authorisation error, an unreachable endpoint), is unavailable: a query of
it fails naming why, and --views shows the reason. The console is locked unless --unsafe: one SELECT (or EXPLAIN) per call,
no COPY, ATTACH, INSTALL, SET or CREATE, and no file outside the lake can be read.
Numbers: csv and json write each number at full precision (the shortest text that reads back to
the same double, e.g. 0.30000000000000004; integers and bigints exact); the table shows non-integer
numbers to 10 significant digits and says so under the table when that changed a value. Read a
CSV export in pandas with float_precision="round_trip" (its default parser can be 1 ulp off).
Exit codes: 0 done, 1 the query failed, 2 bad arguments or a refused statement (also: no SQL and
no --views).`,
  examples: [
    `"SELECT symbol, count(*) AS n FROM user_daily_bars GROUP BY symbol" --format csv`,
    `"SELECT * FROM user_daily_bars WHERE symbol = ?" --param SPY --out spy.json --format json`,
    "--views",
  ],
});

await runTask(TASK, async ({ values, positionals }) => {
  if (!values.views && positionals.length === 0) throw new UsageError("give SQL or --views");
  if (values.views && positionals.length > 0) {
    throw new UsageError("--views takes no SQL");
  }
  // A damaged file (missing, changed, unreadable) is left out of the views and named here, on
  // every query: the other files and datasets are still read.
  const catalog = await Catalog.open({
    unsafe: values.unsafe,
    onSkipped: (s) => console.error(redact(`warning: ${skippedWarning(s)}`)),
  });
  try {
    if (values.views) {
      if (catalog.views.length === 0) console.log("No views: the sql/ folder is empty.");
      for (const v of catalog.views) {
        const state = v.available
          ? v.skipped ? `  [${v.skipped} damaged file${v.skipped > 1 ? "s" : ""} left out]` : ""
          : /^no committed data matches/.test(v.error ?? "")
          ? "  [no data yet]"
          : `  [unavailable: ${redact(v.error ?? "")}]`;
        console.log(`${v.name}${state}`);
        if (v.purpose) console.log(`  purpose:  ${v.purpose}`);
        if (v.grain) console.log(`  grain:    ${v.grain}`);
        if (v.inputs) console.log(`  inputs:   ${v.inputs}`);
        if (v.knownAt) console.log(`  known_at: ${v.knownAt}`);
      }
      return 0;
    }
    const sql = positionals.join(" ");
    let result;
    try {
      result = await catalog.query(sql, values.param ?? []);
    } catch (e) {
      if (e instanceof QueryRefusedError) throw new UsageError(`Query refused: ${e.message}`);
      throw new Error(`Query failed: ${(e as Error).message}`, { cause: e });
    }
    // Without --format, the --out file's extension picks it: a table in x.csv is no CSV.
    const ext = values.out?.toLowerCase().match(/\.(csv|json)$/)?.[1] as "csv" | "json" | undefined;
    const format = values.format ?? ext ?? "table";
    // Results leave the process too: through the one redactor, like every other output.
    const text = redact(
      format === "csv"
        ? formatCsv(result)
        : format === "json"
        ? formatJson(result)
        : formatTable(result) + "\n",
    );
    if (values.out) {
      Deno.writeTextFileSync(values.out, text);
      console.log(`${result.rows.length} rows written to ${values.out}`);
    } else {
      await Deno.stdout.write(new TextEncoder().encode(text));
    }
    return 0;
  } finally {
    catalog.close();
  }
});
