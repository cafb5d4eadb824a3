/** `deno task query`: run SQL against the lake through the DuckDB catalog. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { redact } from "../lib/core/secret.ts";
import {
  Catalog,
  formatCsv,
  formatJson,
  formatTable,
  QueryRefusedError,
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
      default: "table",
      description: "Output format",
    },
    out: { type: "path", example: "result.csv", description: "Write the result to this file" },
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
files the manifests list. The console is locked unless --unsafe: one SELECT (or EXPLAIN) per call,
no COPY, ATTACH, INSTALL, SET or CREATE, and no file outside the lake can be read.
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
  const catalog = await Catalog.open({ unsafe: values.unsafe });
  try {
    if (values.views) {
      if (catalog.views.length === 0) console.log("No views: the sql/ folder is empty.");
      for (const v of catalog.views) {
        console.log(`${v.name}${v.available ? "" : "  [no data yet]"}`);
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
    // Results leave the process too: through the one redactor, like every other output.
    const text = redact(
      values.format === "csv"
        ? formatCsv(result)
        : values.format === "json"
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
