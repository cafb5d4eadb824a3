/**
 * The demo's ingest plan through `backfillAllCommand` at several `concurrency` levels (issue 21:
 * `deno task demo` under 10 s on 2 cores; its ingest is ~8.5 s wall, ~14 s CPU one step at a
 * time).
 *
 * Run: `TZ=UTC deno run -A --frozen bench/backfill_concurrency.ts [--levels 1,2,3] [--rounds 2]`
 *
 * Each measurement is one child process (`--child N`) on a fresh temporary lake: the demo's world
 * (seed 42, 1000 sessions to 2024-03-28, 10 equities) served in-process with one shared world
 * instance and the demo's prefetch workers, as `lib/demo/demo.ts` runs it, and the demo's plan
 * (lib/demo/demo.ts `demoPlan`: 14 steps, SPY daily bars over 250 sessions, minute bars over
 * 500). It prints the wall seconds and the CPU seconds (user + system over every thread,
 * process.cpuUsage) of
 * the `backfillAllCommand` call alone, and the committed curated rows per dataset. Levels run
 * interleaved (1, 2, 3, 1, 2, 3, ...) so a change of machine load hits every level alike; the
 * rows must be equal at every level. The last lines give the median per level.
 * `--without-prefetch` leaves the workers out, to see the steps' overlap alone.
 */
import process from "node:process";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { loadConfig } from "../lib/config/config.ts";
import { setLogLevel } from "../lib/core/log.ts";
import { backfillAllCommand, type PlanStep, type StepEvent } from "../lib/ingest/commands.ts";
import { demoPlan } from "../lib/demo/demo.ts";
import { pipelineFor } from "../lib/ingest/registry.ts";
import { committedState } from "../lib/lake/mod.ts";
import { generateWorld } from "../lib/sources/sim/mod.ts";
import { prefetchWorld } from "../lib/sources/sim/prefetch.ts";
import { tradingDays } from "../lib/time/mod.ts";

const END = "2024-03-28";
const SEED = 42, DAYS = 1000, INGEST_DAYS = 250, MINUTE_DAYS = 500, EQUITIES = 10;

const TASK = defineTask({
  name: "bench:backfill-concurrency",
  summary: "The demo's ingest plan through backfillAllCommand at several step concurrencies.",
  options: {
    levels: {
      type: "list",
      default: ["1", "2", "3"],
      description:
        "Concurrency levels to compare, each 1 to 8; a q suffix (1q) adds overlapQuality",
    },
    rounds: { type: "integer", min: 1, default: 2, description: "Interleaved rounds" },
    "without-prefetch": {
      type: "boolean",
      description: "No prefetch workers (the main thread generates every session it serves)",
    },
    child: { type: "string", description: "Internal: one measurement at this level" },
  },
  details: `Not a deno task: run as
  TZ=UTC deno run -A --frozen bench/backfill_concurrency.ts [--levels 1,2,3] [--rounds 2]
Each measurement runs in a child process on a fresh temporary lake (deleted after).
Prints one line per measurement (wall s, CPU s, CPU/wall) and the median per level.`,
});

/** The demo's plan (lib/demo/demo.ts `demoPlan`, default options). */
function benchPlan(): PlanStep[] {
  const sessions = tradingDays("2000-01-03", END);
  const last = (n: number) => sessions[sessions.length - n]!;
  return demoPlan({
    start: sessions[Math.max(0, sessions.length - DAYS)]!,
    last,
    ingestStart: last(INGEST_DAYS),
    minuteStart: last(MINUTE_DAYS),
  });
}

interface Measurement {
  level: string;
  code: number;
  wallS: number;
  cpuS: number;
  rows: Record<string, number>;
  /** Seconds from the start to each step's start and done events. */
  startS: number[];
  doneS: number[];
  /** What the prefetch workers delivered, and SPY sessions the main thread generated itself. */
  ahead: { vixDays: number; spySessions: number; equities: number; mainSpySessions: number };
}

/** One measurement in this process (the child). */
async function measure(level: string, usePrefetch: boolean): Promise<Measurement> {
  setLogLevel("warn");
  const root = await Deno.makeTempDir({ prefix: `bench_backfill_c${level}_` });
  try {
    const plan = benchPlan();
    const sessions = tradingDays("2000-01-03", END);
    const last = (n: number) => sessions[sessions.length - n]!;
    const world = { seed: SEED, start: last(DAYS), end: END, equityCount: EQUITIES };
    const simWorld = generateWorld(world);
    const cfg = { ...loadConfig(), lakeRoot: root };
    const cpu = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1e6;
    };
    const t0 = performance.now(), c0 = cpu();
    // As the demo on a fresh lake: workers generate ahead what the later steps ask for.
    const prefetch = usePrefetch
      ? prefetchWorld(simWorld, {
        vixDays: simWorld.days.filter((d) => d >= last(60)),
        spySessions: [
          ...simWorld.days.filter((d) => d >= last(INGEST_DAYS)),
          ...simWorld.days.filter((d) => d >= last(MINUTE_DAYS) && d < last(INGEST_DAYS)),
        ],
        equities: simWorld.equityInfo.map((x) => x.ticker),
      })
      : undefined;
    const events: StepEvent[] = [];
    let code: number;
    try {
      const concurrency = Number(level.replace(/q$/, ""));
      const overlap = level.endsWith("q") ? { overlapQuality: true } : {};
      code = await backfillAllCommand({ plan, resume: true, concurrency, ...overlap }, {
        sim: { seed: SEED, world, worldInstance: simWorld },
        config: cfg,
        print: () => {},
        onStep: (e) => events.push(e),
      });
    } finally {
      prefetch?.stop();
    }
    const none = { vixDays: 0, spySessions: 0, equities: 0 };
    const ahead = {
      ...(prefetch ? await prefetch.done : none),
      mainSpySessions: simWorld.spy.sessionsGenerated,
    };
    const wallS = (performance.now() - t0) / 1000, cpuS = cpu() - c0;
    const rows: Record<string, number> = {};
    for (const s of plan) {
      const spec = pipelineFor(s.source, s.dataset, s).curatedSpec;
      rows[`${s.source}/${s.dataset}`] = (await committedState(spec, root)).rows;
    }
    const atS = (i: number, phase: StepEvent["phase"]) => {
      const e = events.find((x) => x.step === i + 1 && x.phase === phase);
      return e ? (e.atMs - t0) / 1000 : NaN;
    };
    const doneS = plan.map((_, i) => atS(i, "done"));
    const startS = plan.map((_, i) => atS(i, "start"));
    return { level, code, wallS, cpuS, rows, startS, doneS, ahead };
  } finally {
    await Deno.remove(root, { recursive: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

await runTask(TASK, async ({ values: v }) => {
  if (v.child !== undefined) {
    if (!/^[1-8]q?$/.test(v.child)) throw new UsageError(`--child ${v.child}: not a level`);
    console.log(JSON.stringify(await measure(v.child, !v["without-prefetch"])));
    return 0;
  }
  const levels = (v.levels as string[]).map((s) => {
    const n = Number(s.replace(/q$/, ""));
    if (!/^\d+q?$/.test(s) || n < 1 || n > 8) {
      throw new UsageError(`--levels ${s}: each level must be an integer from 1 to 8 (or 1q..8q)`);
    }
    return s;
  });
  const rounds = v.rounds as number;
  const all: Measurement[] = [];
  for (let r = 1; r <= rounds; r++) {
    for (const level of levels) {
      const out = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--frozen",
          new URL(import.meta.url).pathname,
          "--child",
          `${level}`,
          ...(v["without-prefetch"] ? ["--without-prefetch"] : []),
        ],
        env: { TZ: "UTC" },
        stdout: "piped",
        stderr: "inherit",
      }).output();
      if (!out.success) throw new Error(`child at concurrency ${level} failed (${out.code})`);
      const m = JSON.parse(
        new TextDecoder().decode(out.stdout).trim().split("\n").pop()!,
      ) as Measurement;
      all.push(m);
      console.log(
        `round ${r} concurrency ${level}: exit ${m.code}, wall ${m.wallS.toFixed(2)} s, CPU ${
          m.cpuS.toFixed(2)
        } s (CPU/wall ${(m.cpuS / m.wallS).toFixed(2)}); steps (start-done s) ${
          m.doneS.map((x, i) => `${m.startS[i]!.toFixed(1)}-${x.toFixed(1)}`).join(" ")
        }; ahead ${JSON.stringify(m.ahead)}`,
      );
    }
  }
  const ref = JSON.stringify(all[0]!.rows);
  const same = all.every((m) => JSON.stringify(m.rows) === ref);
  console.log(`curated rows per dataset ${same ? "equal at every level" : "DIFFER"}: ${ref}`);
  for (const level of levels) {
    const ms = all.filter((m) => m.level === level);
    console.log(
      `concurrency ${level}: median wall ${median(ms.map((m) => m.wallS)).toFixed(2)} s, CPU ${
        median(ms.map((m) => m.cpuS)).toFixed(2)
      } s over ${ms.length} runs`,
    );
  }
  return same && all.every((m) => m.code === 0) ? 0 : 1;
});
