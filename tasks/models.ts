/**
 * deno task models list [NAME] | show NAME [VERSION|champion] | promote NAME VERSION [--root DIR]
 *
 * The model registry under ${lakeRoot()}/reference/models (lib/models/registry.ts).
 * promote runs the validation gate on the version's stored out-of-sample returns and the ledger's
 * evidence for its research question; only a "go" makes it the champion.
 * Exit codes: 0 ok, 1 bad arguments or unknown model, 3 promotion refused by the gate.
 */
import { parseArgs } from "node:util";
import { getModel, listModels, promoteModel, PromotionError } from "../lib/models/mod.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  options: { root: { type: "string" }, json: { type: "boolean", default: false } },
  allowPositionals: true,
});
const [cmd, name, version] = positionals;
const opts = values.root ? { root: values.root } : {};
const usage =
  "usage: deno task models list [NAME] | show NAME [VERSION|champion] | promote NAME VERSION [--root DIR]";

try {
  if (cmd === "list") {
    const rows = listModels(name, opts);
    if (values.json) console.log(JSON.stringify(rows, null, 2));
    else if (rows.length === 0) console.log("no models registered");
    else {
      console.log(
        ["name", "version", "stage", "kind", "task", "created_at", "trial_id"].join("\t"),
      );
      for (const r of rows) {
        console.log(
          [r.name, r.version, r.stage, r.modelKind, r.task, r.createdAt, r.trialId.slice(0, 12)]
            .join("\t"),
        );
      }
    }
  } else if (cmd === "show" && name) {
    const v = version === undefined || version === "champion" ? "champion" : Number(version);
    const card = getModel(name, v, opts);
    const { oosReturns, ...rest } = card;
    console.log(JSON.stringify({ ...rest, oosReturns: `${oosReturns.length} periods` }, null, 2));
  } else if (cmd === "promote" && name && version) {
    const r = await promoteModel(name, Number(version), opts);
    console.log(`${name} v${version} promoted to champion (gate: ${r.verdict})`);
    for (const c of r.criteria) console.log(`  ${c.status.padEnd(7)} ${c.name}: ${c.note}`);
  } else {
    console.error(usage);
    Deno.exit(1);
  }
} catch (e) {
  if (e instanceof PromotionError) {
    console.error(e.message);
    for (const c of e.result.criteria) {
      console.error(`  ${c.status.padEnd(7)} ${c.name}: ${c.note}`);
    }
    Deno.exit(3);
  }
  console.error((e as Error).message);
  Deno.exit(1);
}
