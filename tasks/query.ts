/**
 * deno task query "<SQL>" [--format table|csv|json] [--out FILE] [--param V ...]
 * deno task query --views
 *
 * Runs SQL against the lake through the DuckDB catalog (every view in sql/ registered).
 */
import { parseArgs } from "node:util";
import { Catalog, formatCsv, formatJson, formatTable } from "../lib/query/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    format: { type: "string", default: "table" },
    out: { type: "string" },
    views: { type: "boolean", default: false },
    param: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", short: "h", default: false },
  },
});

if (values.help || (!values.views && positionals.length === 0)) {
  console.log(`usage: deno task query "<SQL>" [--format table|csv|json] [--out FILE] [--param V ...]
       deno task query --views`);
  Deno.exit(values.help ? 0 : 2);
}
if (!["table", "csv", "json"].includes(values.format!)) {
  console.error(`Unknown --format "${values.format}": expected table, csv or json`);
  Deno.exit(2);
}

const catalog = await Catalog.open();
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
  } else {
    const sql = positionals.join(" ");
    let result;
    try {
      result = await catalog.query(sql, values.param as string[]);
    } catch (e) {
      console.error(`Query failed: ${(e as Error).message}`);
      Deno.exit(1);
    }
    const text = values.format === "csv"
      ? formatCsv(result)
      : values.format === "json"
      ? formatJson(result)
      : formatTable(result) + "\n";
    if (values.out) {
      Deno.writeTextFileSync(values.out, text);
      console.log(`${result.rows.length} rows written to ${values.out}`);
    } else {
      await Deno.stdout.write(new TextEncoder().encode(text));
    }
  }
} finally {
  catalog.close();
}
