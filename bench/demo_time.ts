/**
 * Wall time of `deno task demo` on a fresh lake, as a user runs it (issue 21: "the demo under
 * 10 s here"), optionally interleaved with another checkout of the workbench (before/after).
 *
 * Run: `TZ=UTC deno run -A --frozen bench/demo_time.ts [--runs 3] [--ref /path/to/other/checkout]`
 *
 * Each run is a child process `deno run -A --frozen tasks/demo.ts --out <tmp>` with
 * WORKBENCH_DATA set to a new empty temporary lake (removed after), started by the same Deno
 * binary as this script. Printed per run: the child's wall seconds (spawn to exit, module
 * loading included), the demo's own "done in" seconds (from startDemo, lib/demo/start.ts, before
 * the heavy modules load), the CPU seconds it reports per stage summed (user + system over every
 * thread), and the load average at the start. With `--ref`, the other checkout runs first in
 * each round (ref, this, ref, this, ...) so a change of machine load hits both alike; the last
 * lines give the medians.
 * Not a `deno bench` file (one run is ~10 s and writes a lake): run it by hand.
 */
import { join, resolve } from "node:path";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";

const TASK = defineTask({
  name: "bench:demo-time",
  summary: "Wall time of the demo on a fresh lake, optionally interleaved with another checkout.",
  options: {
    runs: { type: "integer", min: 1, default: 3, description: "Runs per checkout" },
    ref: { type: "path", description: "Another checkout of the workbench to run interleaved" },
  },
  examples: ["--runs 5", "--runs 3 --ref /tmp/wt-before"],
});

interface Run {
  wall: number;
  doneIn: number;
  cpu: number;
  load: number;
}

async function runOnce(checkout: string): Promise<Run> {
  const lake = await Deno.makeTempDir({ prefix: "demo-time-lake-" });
  const out = await Deno.makeTempDir({ prefix: "demo-time-out-" });
  const load = Deno.loadavg()[0]!;
  try {
    const t0 = performance.now();
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", "tasks/demo.ts", "--out", out],
      cwd: checkout,
      env: { WORKBENCH_DATA: lake, TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const wall = (performance.now() - t0) / 1000;
    const text = new TextDecoder().decode(r.stdout);
    if (r.code !== 0) {
      throw new Error(
        `demo in ${checkout} exited ${r.code}: ${new TextDecoder().decode(r.stderr).slice(-500)}`,
      );
    }
    const done = /done in ([\d.]+) s/.exec(text);
    const cpuLine = /stage CPU \(all threads\): ([^;]+);/.exec(text);
    if (!done || !cpuLine) throw new Error(`demo in ${checkout}: no timing lines in its output`);
    const cpu = [...cpuLine[1]!.matchAll(/([\d.]+) s/g)].reduce((a, m) => a + Number(m[1]), 0);
    return { wall, doneIn: Number(done[1]), cpu, load };
  } finally {
    await Deno.remove(lake, { recursive: true });
    await Deno.remove(out, { recursive: true });
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

await runTask(TASK, async ({ values }) => {
  const here = resolve(join(import.meta.dirname!, ".."));
  const checkouts: [string, string][] = [];
  if (values.ref) {
    const ref = resolve(values.ref);
    try {
      Deno.statSync(join(ref, "tasks", "demo.ts"));
    } catch {
      throw new UsageError(`--ref ${values.ref}: no tasks/demo.ts there`);
    }
    checkouts.push(["ref", ref]);
  }
  checkouts.push(["this", here]);
  const results = new Map<string, Run[]>(checkouts.map(([k]) => [k, []]));
  for (let i = 0; i < values.runs; i++) {
    for (const [name, dir] of checkouts) {
      const r = await runOnce(dir);
      results.get(name)!.push(r);
      console.log(
        `${name} run ${i + 1}: wall ${r.wall.toFixed(2)} s, done in ${r.doneIn.toFixed(1)} s, ` +
          `CPU ${r.cpu.toFixed(1)} s, load ${r.load.toFixed(2)}`,
      );
    }
  }
  for (const [name, dir] of checkouts) {
    const rs = results.get(name)!;
    console.log(
      `${name} (${dir}) median of ${rs.length}: wall ${
        median(rs.map((r) => r.wall)).toFixed(2)
      } s, ` +
        `done in ${median(rs.map((r) => r.doneIn)).toFixed(1)} s, CPU ${
          median(rs.map((r) => r.cpu)).toFixed(1)
        } s`,
    );
  }
  return 0;
});
