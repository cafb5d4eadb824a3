/** `deno task models`: list, show and promote versions in the model registry. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { getModel, listModels, promoteModel, PromotionError } from "../lib/models/mod.ts";

const TASK = defineTask({
  name: "models",
  summary: "List, show or promote model versions in the registry (lib/models/registry.ts).",
  positionals: [
    { name: "command", required: true, description: "list | show | promote" },
    { name: "name", description: "Model name (list: optional filter; show, promote: required)" },
    {
      name: "version",
      description: "Version number (show: a number or champion, the default; promote: required)",
    },
  ],
  options: {
    root: {
      type: "path",
      example: "/data/lake",
      description: "Lake root holding reference/models (default: the configured lake)",
    },
    json: { type: "boolean", description: "list: print the rows as JSON" },
  },
  details:
    `The registry lives under \${WORKBENCH_DATA}/reference/models. promote runs the validation
gate on the version's stored out-of-sample returns and the research ledger's evidence for its
question; only a "go" makes it the champion, otherwise the criteria are printed.

Exit codes: 0 ok, 1 unknown model or version, or a failure, 2 bad arguments, 3 promotion refused
by the gate.`,
  examples: ["list", "show momentum champion", "promote momentum 3"],
});

/** A version argument: a positive integer (or "champion" where allowed). */
function parseVersion(v: string | undefined, allowChampion: boolean): number | "champion" {
  if (v === undefined || (allowChampion && v === "champion")) return "champion";
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(
      `version ${JSON.stringify(v)}: expected a positive integer${
        allowChampion ? " or champion" : ""
      }`,
    );
  }
  return n;
}

await runTask(TASK, async ({ values, positionals }) => {
  const [cmd, name, version] = positionals;
  const opts = values.root ? { root: values.root } : {};
  if (cmd === "list") {
    if (version !== undefined) throw new UsageError("list takes at most a model name");
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
    return 0;
  }
  if (cmd === "show") {
    if (!name) throw new UsageError("show needs a model name");
    const card = getModel(name, parseVersion(version, true), opts);
    const { oosReturns, ...rest } = card;
    console.log(JSON.stringify({ ...rest, oosReturns: `${oosReturns.length} periods` }, null, 2));
    return 0;
  }
  if (cmd === "promote") {
    if (!name || version === undefined) throw new UsageError("promote needs NAME and VERSION");
    const v = parseVersion(version, false) as number;
    try {
      const r = await promoteModel(name, v, opts);
      console.log(`${name} v${v} promoted to champion (gate: ${r.verdict})`);
      for (const c of r.criteria) console.log(`  ${c.status.padEnd(7)} ${c.name}: ${c.note}`);
      return 0;
    } catch (e) {
      if (!(e instanceof PromotionError)) throw e;
      console.error(e.message);
      for (const c of e.result.criteria) {
        console.error(`  ${c.status.padEnd(7)} ${c.name}: ${c.note}`);
      }
      return 3;
    }
  }
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}: use list, show or promote`);
});
