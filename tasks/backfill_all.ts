/** `deno task backfill-all`: a config-driven backfill plan across vendors (the nightly set). */
import {
  defineTask,
  isCalendarDate,
  JSON_OPTION,
  jsonOutput,
  runTask,
  UsageError,
} from "../lib/cli/mod.ts";
import {
  backfillAllCommand,
  DEFAULT_PLAN,
  MAX_PLAN_CONCURRENCY,
  type PlanStep,
} from "../lib/ingest/commands.ts";
import { pipelineFor } from "../lib/ingest/registry.ts";
import { unknownFieldMessage } from "../lib/cli/spec_schema.ts";

const TASK = defineTask({
  name: "backfill-all",
  summary: "Run a backfill plan (default: the nightly set) step by step across vendors.",
  options: {
    plan: {
      type: "path",
      mustExist: true,
      example: "plan.json",
      description: "Plan file (default: DEFAULT_PLAN of lib/ingest/commands.ts)",
    },
    resume: { type: "boolean", description: "Continue each step from its checkpoint" },
    workers: {
      type: "integer",
      min: 1,
      description: "Concurrent units (default: run.workers of the configuration)",
    },
    concurrency: {
      type: "integer",
      min: 1,
      default: 1,
      description:
        `Plan steps run at once, at most ${MAX_PLAN_CONCURRENCY} (output stays in plan order)`,
    },
    sim: { type: "boolean", description: "Run against the built-in simulated market" },
    seed: { type: "integer", description: "Seed of the simulated market (with --sim)" },
    start: { type: "date", example: "2024-02-01", description: "First date of every step" },
    end: { type: "date", example: "2024-02-29", description: "Last date of every step" },
    json: JSON_OPTION,
  },
  details: `A plan file is a JSON array of steps
  { "source", "dataset", "symbols": [..] | "@universe", "start", "end" }
("@universe": every stock of the curated listing table, so list it in an earlier step). The
default plan has ${DEFAULT_PLAN.length} steps whose dates fit the simulated market's default world.
Prints each step's summary.

With --concurrency n > 1, up to n steps fetch and land at once and a step's quality pass does
not hold back the next one; a step still waits for the listing step when its symbols are
"@universe", for earlier steps writing the same dataset, and (against real vendors, whose limits
each step's client paces alone) for earlier steps on the same vendor. Summaries are printed one
block per step in plan order.

Exit codes: 0 every unit succeeded, 1 units failed (or the run failed), 2 bad arguments or plan.`,
  examples: ["--sim", "--sim --concurrency 2", "--plan plan.json --resume --workers 4"],
});

/** The fields of a plan step (lib/ingest `PlanStep`: the step and its `PipelineOptions`). */
const PLAN_STEP_FIELDS = [
  "source",
  "dataset",
  "symbols",
  "start",
  "end",
  "strikeBand",
  "expiryDays",
  "adjustment",
  "feed",
] as const satisfies readonly (keyof PlanStep)[];

/** Read and check a plan file: every step names a known dataset and real dates, no unknown field. */
function readPlan(path: string): PlanStep[] {
  let plan: unknown;
  try {
    plan = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new UsageError(`--plan ${path}: ${(e as Error).message}`);
  }
  if (!Array.isArray(plan) || plan.length === 0) {
    throw new UsageError(`--plan ${path}: expected a non-empty JSON array of steps`);
  }
  for (const [i, step] of plan.entries()) {
    const at = `--plan ${path}: step ${i + 1}`;
    const s = step as Partial<PlanStep>;
    if (typeof s !== "object" || s === null) throw new UsageError(`${at}: not an object`);
    // an unknown field would be ignored (a typo backfilling with the default): refuse it
    const extra = Object.keys(s).filter((k) =>
      !(PLAN_STEP_FIELDS as readonly string[]).includes(k)
    );
    if (extra.length > 0) {
      throw new UsageError(
        `${at}: ${
          extra.map((k) => `${k}: ${unknownFieldMessage([k], PLAN_STEP_FIELDS)}`).join("; ")
        }`,
      );
    }
    for (const k of ["source", "dataset", "start", "end"] as const) {
      if (typeof s[k] !== "string") throw new UsageError(`${at}: "${k}" must be a string`);
    }
    if (s.symbols !== "@universe" && !(Array.isArray(s.symbols) && s.symbols.length > 0)) {
      throw new UsageError(`${at}: "symbols" must be a non-empty array or "@universe"`);
    }
    for (const k of ["start", "end"] as const) {
      if (!isCalendarDate(s[k]!)) {
        throw new UsageError(`${at}: "${k}" ${JSON.stringify(s[k])} is not a calendar date`);
      }
    }
    try {
      pipelineFor(s.source!, s.dataset!, s);
    } catch (e) {
      throw new UsageError(`${at}: ${(e as Error).message}`);
    }
  }
  return plan as PlanStep[];
}

await runTask(TASK, async ({ values: v }) => {
  if (v.concurrency !== undefined && v.concurrency > MAX_PLAN_CONCURRENCY) {
    throw new UsageError(
      `--concurrency ${v.concurrency}: must be at most ${MAX_PLAN_CONCURRENCY}`,
    );
  }
  if (v.start && v.end && v.start > v.end) {
    throw new UsageError(`--start ${v.start} is after --end ${v.end}`);
  }
  const plan = v.plan ? readPlan(v.plan) : undefined;
  const out = jsonOutput(v.json);
  const steps: Record<string, unknown>[] = [];
  const code = await backfillAllCommand({
    ...(plan ? { plan } : {}),
    resume: v.resume,
    ...(v.workers !== undefined ? { workers: v.workers } : {}),
    ...(v.concurrency !== undefined ? { concurrency: v.concurrency } : {}),
    ...(v.start ? { start: v.start } : {}),
    ...(v.end ? { end: v.end } : {}),
  }, {
    ...(v.sim ? { sim: v.seed !== undefined ? { seed: v.seed } : true } : {}),
    onResult: (r) => steps.push(r),
  });
  out.emit({ task: "backfill-all", exitCode: code, steps });
  return code;
});
