/**
 * Every `deno task` that runs a `tasks/*.ts` or `bench/*.ts` script behaves like a well-made CLI
 * (issue 19, first "Must hold"):
 * - `--help` exits 0, prints usage naming `deno task <name>`, writes nothing on stderr, finishes
 *   fast and creates no file (run in an empty folder with an empty WORKBENCH_DATA);
 * - an unknown option exits 2 with exactly one line on stderr and no stack frame;
 * - for every option the usage shows with a date (`YYYY-MM-DD`) or enum (`a|b|c`) placeholder,
 *   an impossible date (2024-02-30) or a value outside the enum exits 2 with one line naming the
 *   option.
 * The scripts run as subprocesses (`deno run -A --frozen <script>`), two at a time.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";

const REPO = dirname(dirname(dirname(fileURLToPath(import.meta.url))));

/** A `--help` that takes longer than this ran something else. */
const HELP_MAX_MS = 30_000;
/** Subprocesses at a time (the dev machine has 2 cores). */
const CONCURRENCY = 2;

/** `deno task` name -> script, for every task that runs `deno run ... tasks|bench/<x>.ts`. */
function taskScripts(): Map<string, string> {
  const cfg = JSON.parse(Deno.readTextFileSync(join(REPO, "deno.json"))) as {
    tasks: Record<string, string>;
  };
  const out = new Map<string, string>();
  for (const [name, cmd] of Object.entries(cfg.tasks)) {
    const m = /\bdeno run\b.*?\s((?:tasks|bench)\/[\w/.-]+\.ts)\b/.exec(cmd);
    if (m) out.set(name, m[1]!);
  }
  return out;
}

interface Run {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** Run a script from an empty folder with an empty lake; returns its output and duration. */
async function runScript(script: string, args: string[], cwd: string, data: string): Promise<Run> {
  const t0 = performance.now();
  const o = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--frozen",
      "--config",
      join(REPO, "deno.json"),
      join(REPO, script),
      ...args,
    ],
    cwd,
    env: { WORKBENCH_DATA: data, WORKBENCH_DEBUG: "0", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return {
    code: o.code,
    out: new TextDecoder().decode(o.stdout),
    err: new TextDecoder().decode(o.stderr).trim(),
    ms: performance.now() - t0,
  };
}

/** Options the usage text shows with a date or an enum placeholder, and a bad value for each. */
function badValueCases(usage: string): { option: string; value: string }[] {
  const out: { option: string; value: string }[] = [];
  for (const line of usage.split("\n")) {
    const m = /^\s+(?:-\w, )?--([\w-]+) (YYYY-MM-DD|[\w.-]+(?:\|[\w.-]+)+)(?:\s|$)/.exec(line);
    if (!m) continue;
    out.push({ option: m[1]!, value: m[2] === "YYYY-MM-DD" ? "2024-02-30" : "no-such-value" });
  }
  return out;
}

Deno.test("badValueCases: dates and enums from usage lines, nothing else", () => {
  const usage = [
    "Options:",
    "  --start YYYY-MM-DD       First date (required; e.g. 2024-02-01)",
    "  --zone raw|curated|reference",
    "                           Only this zone",
    "  -f, --format table|csv|json  Output format (default table)",
    "  --symbols SPY,QQQ        Symbols",
    "  --workers N              Workers",
    "  --sim                    Simulated market",
    "Details mention --from YYYY-MM-DD in prose",
  ].join("\n");
  assertEquals(badValueCases(usage), [
    { option: "start", value: "2024-02-30" },
    { option: "zone", value: "no-such-value" },
    { option: "format", value: "no-such-value" },
  ]);
});

Deno.test("deno.json: the task scripts are found and exist", () => {
  const scripts = taskScripts();
  assertEquals(scripts.get("backfill"), "tasks/backfill.ts");
  assertEquals(scripts.get("bench-lake"), "bench/lake_throughput.ts");
  assert(!scripts.has("test") && !scripts.has("bench"), "deno test / deno bench are not scripts");
  for (const [name, script] of scripts) {
    assert(Deno.statSync(join(REPO, script)).isFile, `${name}: ${script} missing`);
  }
});

Deno.test("every task: --help, unknown option, bad date or enum", async () => {
  const scripts = [...taskScripts()];
  assert(scripts.length >= 18, `only ${scripts.length} tasks found`);
  const cwd = await Deno.makeTempDir({ prefix: "tasks-help-cwd-" });
  const data = await Deno.makeTempDir({ prefix: "tasks-help-data-" });
  const failures: string[] = [];
  const check = (ok: boolean, what: string) => {
    if (!ok) failures.push(what);
  };
  const oneLineUsageError = (name: string, label: string, r: Run) => {
    const show = `${name} ${label}: exit ${r.code}, stderr ${JSON.stringify(r.err)}`;
    check(r.code === 2, `${show} (want exit 2)`);
    check(r.err.split("\n").length === 1 && r.err !== "", `${show} (want one line)`);
    check(!r.err.includes("    at "), `${show} (stack trace)`);
    check(r.err.startsWith(`${name}: `), `${show} (want the task name first)`);
  };
  const testTask = async ([name, script]: [string, string]) => {
    const help = await runScript(script, ["--help"], cwd, data);
    const hshow = `${name} --help: exit ${help.code}, ${help.ms.toFixed(0)} ms`;
    check(help.code === 0, `${hshow}, stderr ${JSON.stringify(help.err.slice(0, 300))}`);
    check(help.out.includes(`deno task ${name}`), `${hshow}: usage lacks "deno task ${name}"`);
    check(help.err === "", `${hshow}: stderr ${JSON.stringify(help.err.slice(0, 300))}`);
    check(help.ms < HELP_MAX_MS, `${hshow}: slower than ${HELP_MAX_MS} ms`);
    oneLineUsageError(
      name,
      "--no-such-option",
      await runScript(script, ["--no-such-option"], cwd, data),
    );
    for (const { option, value } of badValueCases(help.out)) {
      const r = await runScript(script, [`--${option}`, value], cwd, data);
      oneLineUsageError(name, `--${option} ${value}`, r);
      check(
        r.err.includes(`--${option}`),
        `${name} --${option} ${value}: ${r.err} (option not named)`,
      );
    }
  };
  try {
    const queue = [...scripts];
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let job = queue.shift(); job; job = queue.shift()) await testTask(job);
      }),
    );
    for (const dir of [cwd, data]) {
      const left = [...Deno.readDirSync(dir)].map((e) => e.name);
      check(left.length === 0, `files created in ${dir}: ${left.join(", ")}`);
    }
    assertEquals(failures, []);
  } finally {
    await Deno.remove(cwd, { recursive: true });
    await Deno.remove(data, { recursive: true });
  }
});
