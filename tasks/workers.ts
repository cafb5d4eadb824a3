/** `deno task workers`: list, stop or prune the registered stream and backfill workers. */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { listWorkers, pruneWorkers, stopWorker } from "../lib/ops/workers.ts";

const TASK = defineTask({
  name: "workers",
  summary: "List, stop or prune the registered stream and backfill worker processes.",
  positionals: [{ name: "command", description: "list (default) | stop | prune" }],
  options: {
    json: { type: "boolean", description: "list: print the workers as JSON" },
    name: {
      type: "string",
      example: "stream-stocks",
      description: "stop: only this worker (default: every live worker)",
    },
    "timeout-ms": {
      type: "integer",
      min: 0,
      default: 15_000,
      description: "stop: how long to wait for each worker to exit",
    },
  },
  details:
    `stop sends SIGTERM and waits for the worker to flush, checkpoint and exit. prune removes the
registrations of dead processes.

Exit codes: 0 ok, 1 a worker did not stop in time (or a failure), 2 bad arguments.`,
  examples: ["list --json", "stop --name stream-stocks --timeout-ms 30000", "prune"],
});

await runTask(TASK, async ({ values, positionals }) => {
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
    return 0;
  }
  if (cmd === "stop") {
    const names = values.name
      ? [values.name]
      : listWorkers().filter((w) => w.alive).map((w) => w.name);
    let ok = true;
    for (const n of names) {
      const r = await stopWorker(n, { timeoutMs: values["timeout-ms"] });
      console.log(`${n}: ${r.outcome} (pid ${r.pid}, ${Math.round(r.waitedMs)} ms)`);
      if (r.outcome === "timeout") ok = false;
    }
    return ok ? 0 : 1;
  }
  if (cmd === "prune") {
    for (const n of pruneWorkers()) console.log(`removed stale registration ${n}`);
    return 0;
  }
  throw new UsageError(`unknown command ${JSON.stringify(cmd)}: use list, stop or prune`);
});
