/**
 * deno task backtest --spec <file.json> [--report out.html] [--memory-ledger] [--strict]
 *
 * Runs every configuration of the spec's grid (lib/backtest/spec.ts), records each as a trial in
 * the validation ledger (the lake's reference/validation/trial_ledger unless --memory-ledger),
 * and prints the go/no-go verdict of the best in-sample configuration's out-of-sample,
 * net-of-cost returns with the ledger's DSR and PBO evidence. Writes the candidate's HTML report
 * to --report (default data/runs/<question>.html). Exit codes: 0 done (either verdict; with
 * --strict, 1 on no-go), 2 bad arguments or spec.
 */
import { parseArgs } from "node:util";
import { parseBacktestSpec, runSpec } from "../lib/backtest/mod.ts";
import { backtestReportHtml } from "../lib/report/mod.ts";
import { memoryLedgerStore } from "../lib/validation/mod.ts";
import { Progress } from "../lib/core/mod.ts";

const { values: v } = parseArgs({
  args: Deno.args,
  options: {
    spec: { type: "string" },
    report: { type: "string" },
    "memory-ledger": { type: "boolean", default: false },
    strict: { type: "boolean", default: false },
  },
});

async function gitVersion(): Promise<string> {
  try {
    const head = await new Deno.Command("git", {
      args: ["rev-parse", "--short=12", "HEAD"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const dirty = await new Deno.Command("git", {
      args: ["status", "--porcelain", "--", "lib/"],
      stdout: "piped",
      stderr: "null",
    }).output();
    const h = new TextDecoder().decode(head.stdout).trim() || "unknown";
    return new TextDecoder().decode(dirty.stdout).trim() ? `${h}+dirty` : h;
  } catch {
    return "unknown";
  }
}

let spec;
try {
  if (!v.spec) throw new RangeError("--spec <file.json> is required");
  spec = parseBacktestSpec(JSON.parse(await Deno.readTextFile(v.spec)));
} catch (e) {
  console.error(`Cannot run backtest: ${e instanceof Error ? e.message : e}`);
  Deno.exit(2);
}

let progress: Progress | undefined;
const out = await runSpec(spec, {
  ...(v["memory-ledger"] ? { store: memoryLedgerStore() } : {}),
  codeVersion: await gitVersion(),
  onTrial: (done, total) => {
    progress ??= new Progress("backtest trials", total);
    progress.tick();
    if (done === total) progress.done();
  },
});
const best = out.configs[out.candidate]!;
console.log(`question: ${spec.question}   data: ${out.manifest}`);
console.log(
  `configurations: ${out.configs.length} (recorded ${
    out.recorded.filter((r) => !r.duplicate).length
  } new, ${
    out.recorded.filter((r) => r.duplicate).length
  } already in the ledger, ${out.notRecorded.length} without dispersion)`,
);
console.log(
  `candidate: ${JSON.stringify(best)}  in-sample Sharpe ${
    out.inSampleSharpe[out.candidate]!.toFixed(3)
  }`,
);
console.log(
  `ledger evidence: N = ${out.evidence.trials.trials}, Var(SR) = ${
    out.evidence.trials.srVariance.toExponential(3)
  }, PBO = ${
    Number.isFinite(out.evidence.pbo)
      ? out.evidence.pbo.toFixed(3)
      : `n/a (${out.evidence.pboNote})`
  }`,
);
for (const c of out.verdict.criteria) {
  console.log(`  ${c.status.padEnd(7)} ${c.name.padEnd(16)} ${c.note}`);
}
console.log(`VERDICT: ${out.verdict.verdict.toUpperCase()}`);
const reportPath = v.report ?? `data/runs/${spec.question.replace(/[^A-Za-z0-9_.-]/g, "_")}.html`;
await Deno.mkdir(reportPath.replace(/\/[^/]*$/, "") || ".", { recursive: true });
const { html } = backtestReportHtml(out.result, {
  title: `${spec.question}: ${spec.strategy} ${JSON.stringify(best)}`,
  meta: { verdict: out.verdict.verdict, data: out.manifest },
});
await Deno.writeTextFile(reportPath, html);
console.log(`report: ${reportPath}`);
Deno.exit(v.strict && out.verdict.verdict !== "go" ? 1 : 0);
