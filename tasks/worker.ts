/**
 * `deno task worker`: a cluster worker. Takes jobs (backtest sweep chunks, CPCV folds, backfill
 * units, consolidation days) from the pg-boss queue on `WORKBENCH_CATALOG` and runs them until
 * SIGTERM or Ctrl-C, which stop it gracefully (running jobs finish, no new ones are taken).
 */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  catalogFromEnv,
  checkSchemaName,
  describeCatalog,
  jobKindNames,
  startWorker,
} from "../lib/cluster/mod.ts";
import { registerWorkbenchJobs } from "../lib/jobs/mod.ts";

registerWorkbenchJobs();

const TASK = defineTask({
  name: "worker",
  summary:
    "Run a cluster worker: take jobs from the PostgreSQL queue (WORKBENCH_CATALOG) until stopped.",
  options: {
    concurrency: { type: "integer", min: 1, default: 1, description: "Jobs run at once" },
    kinds: {
      type: "list",
      example: "backtest.sweep,models.cpcv_fold",
      description: `Job kinds to take (default all: ${jobKindNames().join(", ")})`,
    },
    schema: {
      type: "string",
      example: "workbench_jobs",
      description: "Schema of the queue (default WORKBENCH_JOBS_SCHEMA, else workbench_jobs)",
    },
    id: { type: "string", example: "box1-a", description: "Worker id (default <host>-<pid>)" },
    "monitor-seconds": {
      type: "integer",
      min: 1,
      default: 2,
      description: "Seconds between checks for jobs whose worker died (lease expired)",
    },
  },
  details: `Needs WORKBENCH_CATALOG=postgres://user@host:port/db (a secret: never printed; the
worker prints host, port and database only). Start as many workers as you like, on any machine
that reaches the database and the lake; a submitting task (backtest, backfill, train, consolidate
with --cluster) shows their progress. Jobs read and write the lake of this process's
WORKBENCH_DATA: give every worker the submitter's lake. While a job runs, its worker renews
the job's lease (a heartbeat every third of it). A worker killed outright keeps its jobs until
their leases run out (60 s without a heartbeat by default, set per submission with the
submitting task's --lease-seconds; the jobs show as active meanwhile), then, within
--monitor-seconds, they run again on another worker; their outputs are stored once. A job may
run longer than its lease; the hard limit of one job's run is 4 h (then it is retried as lost).

Exit codes: 0 stopped, 1 failed, 2 bad arguments or WORKBENCH_CATALOG missing.`,
  examples: ["--concurrency 2", "--kinds backtest.sweep --id box1-a"],
});

await runTask(TASK, async ({ values: v }) => {
  let catalog;
  try {
    if (v.schema !== undefined) checkSchemaName(v.schema);
    catalog = catalogFromEnv(v.schema);
    // job handlers that open the queue's tables themselves (the shared request budget) read it
    Deno.env.set("WORKBENCH_JOBS_SCHEMA", catalog.schema);
    for (const k of v.kinds ?? []) {
      if (!jobKindNames().includes(k)) {
        throw new RangeError(`unknown job kind "${k}" (known: ${jobKindNames().join(", ")})`);
      }
    }
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const w = await startWorker({
    catalog,
    concurrency: v.concurrency,
    ...(v.kinds ? { kinds: v.kinds } : {}),
    ...(v.id ? { workerId: v.id } : {}),
    monitorSeconds: v["monitor-seconds"],
  });
  console.error(
    `worker ${w.id}: taking ${(v.kinds ?? jobKindNames()).join(", ")} from ${
      describeCatalog(catalog.url)
    } (schema ${catalog.schema}), concurrency ${v.concurrency}`,
  );
  const stop = () => {
    console.error(`worker ${w.id}: stopping (running jobs finish first)`);
    void w.stop();
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
  await w.finished;
  const s = w.stats();
  console.error(`worker ${w.id}: stopped; ${s.done} jobs done, ${s.failed} failed`);
  return 0;
});
