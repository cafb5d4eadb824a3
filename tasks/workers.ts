/**
 * deno task workers list [--json]
 * deno task workers stop [--name X] [--timeout-ms N]
 * deno task workers prune
 *
 * `stop` sends SIGTERM to the named worker (all live workers without --name) and waits for it to
 * flush, checkpoint and exit. Exit codes: 0 ok, 1 a worker did not stop in time, 2 bad arguments.
 */
import { parseArgs } from "node:util";
import { listWorkers, pruneWorkers, stopWorker } from "../lib/ops/workers.ts";

const { values, positionals } = parseArgs({
  args: Deno.args,
  allowPositionals: true,
  options: {
    name: { type: "string" },
    json: { type: "boolean", default: false },
    "timeout-ms": { type: "string" },
  },
});

const cmd = positionals[0] ?? "list";
if (cmd === "list") {
  const ws = listWorkers();
  if (values.json) console.log(JSON.stringify(ws, null, 2));
  else if (ws.length === 0) console.log("no workers registered");
  else {
    for (const w of ws) {
      console.log(
        `${w.name.padEnd(32)} ${w.kind.padEnd(9)} pid ${String(w.pid).padEnd(8)} ${
          w.alive ? "running" : "dead   "
        } since ${w.started_at}  ${w.args.join(" ")}`,
      );
    }
  }
  Deno.exit(0);
} else if (cmd === "stop") {
  const names = values.name
    ? [values.name]
    : listWorkers().filter((w) => w.alive).map((w) => w.name);
  let ok = true;
  for (const n of names) {
    const r = await stopWorker(n, { timeoutMs: Number(values["timeout-ms"] ?? 15_000) });
    console.log(`${n}: ${r.outcome} (pid ${r.pid}, ${Math.round(r.waitedMs)} ms)`);
    if (r.outcome === "timeout") ok = false;
  }
  Deno.exit(ok ? 0 : 1);
} else if (cmd === "prune") {
  for (const n of pruneWorkers()) console.log(`removed stale registration ${n}`);
  Deno.exit(0);
} else {
  console.error(`unknown command ${cmd}: use list, stop or prune`);
  Deno.exit(2);
}
