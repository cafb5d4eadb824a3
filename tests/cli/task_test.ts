import { assert, assertEquals, assertThrows } from "../_assert.ts";
import {
  defineTask,
  envInteger,
  formatZodIssues,
  isCalendarDate,
  missingPathMessage,
  parseTaskArgs,
  UsageError,
  usageText,
} from "../../lib/cli/mod.ts";
import { z } from "zod";

const DECL = defineTask({
  name: "demo-task",
  summary: "A task for tests.",
  positionals: [{ name: "FILE", description: "input", required: true }],
  options: {
    start: { type: "date", description: "first date", example: "2024-01-02" },
    zone: { type: "enum", values: ["raw", "curated"], description: "zone", default: "curated" },
    n: { type: "integer", description: "count", default: 3, min: 1 },
    x: { type: "number", description: "a number" },
    symbols: { type: "list", description: "symbols" },
    dry: { type: "boolean", description: "dry run" },
    tag: { type: "string", description: "tags", multiple: true },
  },
});

Deno.test("parseTaskArgs: values typed, defaults applied, lists split", () => {
  const r = parseTaskArgs(DECL, [
    "f.csv",
    "--start",
    "2024-02-29",
    "--x",
    "-1.5",
    "--symbols",
    "A, B,,C",
    "--tag",
    "a",
    "--tag",
    "b",
  ])!;
  assertEquals(r.positionals, ["f.csv"]);
  assertEquals(r.values.start, "2024-02-29");
  assertEquals(r.values.zone, "curated");
  assertEquals(r.values.n, 3);
  assertEquals(r.values.x, -1.5);
  assertEquals(r.values.symbols, ["A", "B", "C"]);
  assertEquals(r.values.dry, false);
  assertEquals(r.values.tag, ["a", "b"]);
});

Deno.test("parseTaskArgs: help returns null; bad input throws one-line UsageError", () => {
  assertEquals(parseTaskArgs(DECL, ["-h"]), null);
  assertEquals(parseTaskArgs(DECL, ["--help", "--nonsense"]), null);
  const bad: [string[], RegExp][] = [
    [["f", "--start", "2024-02-30"], /--start "2024-02-30": not a calendar date/],
    [["f", "--start", "2024-99-01"], /not a calendar date/],
    [["f", "--zone", "nosuchzone"], /expected one of raw, curated/],
    [["f", "--n", "0"], /at least 1/],
    [["f", "--n", "2.5"], /not an integer/],
    [["f", "--x", "abc"], /not a number/],
    [["f", "--x", ""], /not a number/],
    [["f", "--bogus"], /Unknown option '--bogus'/],
    [[], /missing argument <FILE>/],
    [["f", "g"], /unexpected argument "g"/],
  ];
  for (const [args, re] of bad) {
    const e = assertThrows(() => parseTaskArgs(DECL, args), UsageError);
    assert(re.test(e.message), `${args.join(" ")}: ${e.message}`);
    assert(!e.message.includes("\n"), "one line");
  }
});

Deno.test("isCalendarDate: real dates only", () => {
  assert(isCalendarDate("2024-02-29"));
  assert(!isCalendarDate("2023-02-29"));
  assert(!isCalendarDate("2024-13-01"));
  assert(!isCalendarDate("2024-1-01"));
  assert(isCalendarDate("1926-01-02"));
});

Deno.test("usageText lists every option with its placeholder and default", () => {
  const u = usageText(DECL);
  assert(u.startsWith("deno task demo-task <FILE> [options]"));
  for (const s of ["--start YYYY-MM-DD", "--zone raw|curated", "default curated", "-h, --help"]) {
    assert(u.includes(s), s);
  }
});

Deno.test("formatZodIssues: field paths, no JSON", () => {
  const r = z.object({ a: z.object({ b: z.number() }), c: z.enum(["x"]) }).safeParse({
    a: { b: "1" },
    c: "y",
  });
  assert(!r.success);
  const s = formatZodIssues(r.error);
  assert(s.startsWith("a.b: "), s);
  assert(s.includes("; c: "), s);
  assert(!s.includes("{"), s);
});

Deno.test("runTask: exit 0 on --help, 2 on usage errors, 1 on failure, no stack trace", async () => {
  const dir = await Deno.makeTempDir();
  const script = `${dir}/t.ts`;
  await Deno.writeTextFile(
    script,
    `import { defineTask, runTask } from "${new URL("../../lib/cli/mod.ts", import.meta.url).href}";
const T = defineTask({ name: "t", summary: "s", options: { fail: { type: "boolean", description: "fail" } } });
await runTask(T, ({ values }) => { if (values.fail) throw new Error("disk on fire"); console.log("ran"); });`,
  );
  const run = async (...args: string[]) => {
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", script, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    return {
      code: o.code,
      out: new TextDecoder().decode(o.stdout),
      err: new TextDecoder().decode(o.stderr).trim(),
    };
  };
  const help = await run("--help");
  assertEquals(help.code, 0);
  assert(help.out.includes("deno task t") && !help.out.includes("ran"));
  const bad = await run("--nope");
  assertEquals(bad.code, 2);
  assertEquals(bad.err.split("\n").length, 1);
  const fail = await run("--fail");
  assertEquals(fail.code, 1);
  assertEquals(fail.err.split("\n").length, 1);
  assert(fail.err.includes("disk on fire") && !fail.err.includes("    at "));
  const dbg = await run("--fail", "--debug");
  assert(dbg.err.includes("    at "), "stack with --debug");
  assertEquals((await run()).code, 0);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("parseTaskArgs: a bad value is reported before a missing required option", () => {
  const T = defineTask({
    name: "t",
    summary: "s",
    options: {
      source: { type: "string", description: "source", required: true },
      start: { type: "date", description: "first date" },
    },
  });
  const e = assertThrows(() => parseTaskArgs(T, ["--start", "2024-02-30"]), UsageError);
  assert(e.message.startsWith('--start "2024-02-30"'), e.message);
  const m = assertThrows(() => parseTaskArgs(T, ["--start", "2024-02-29"]), UsageError);
  assertEquals(m.message, "--source is required");
});

Deno.test("envInteger: fallback when unset, value when valid, UsageError otherwise", () => {
  const name = "WORKBENCH_TEST_ENV_INTEGER";
  Deno.env.delete(name);
  assertEquals(envInteger(name, 9), 9);
  Deno.env.set(name, "12");
  assertEquals(envInteger(name, 9), 12);
  for (const bad of ["0", "2.5", "ten"]) {
    Deno.env.set(name, bad);
    assertThrows(() => envInteger(name, 9, 1), UsageError, `${name}="${bad}"`);
  }
  Deno.env.delete(name);
});

Deno.test("a missing relative path typed in another folder says where deno task looked", async () => {
  // deno task runs a task in the workbench folder and sets INIT_CWD to where it was typed
  const repo = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
  const elsewhere = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", "tasks/ingest_file.ts", "my_prices.csv", "--dataset", "x"],
      cwd: repo,
      env: { INIT_CWD: elsewhere, TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assertEquals(r.code, 2, err);
    assertEquals(err.trim().split("\n").length, 1, err);
    assert(err.includes(`read from ${repo}`) && err.includes(`not from ${elsewhere}`), err);
    assert(err.includes("give an absolute path"), err);
  } finally {
    await Deno.remove(elsewhere, { recursive: true });
  }
  // typed in the workbench folder itself, or absolute: the plain message
  const saved = Deno.env.get("INIT_CWD");
  try {
    Deno.env.set("INIT_CWD", Deno.cwd());
    assertEquals(missingPathMessage("my.csv"), "no such file or folder");
    Deno.env.set("INIT_CWD", "/somewhere/else");
    assertEquals(missingPathMessage("/abs/my.csv", "no such file"), "no such file");
    assert(missingPathMessage("my.csv").includes("not from /somewhere/else"));
  } finally {
    if (saved === undefined) Deno.env.delete("INIT_CWD");
    else Deno.env.set("INIT_CWD", saved);
  }
});

Deno.test("ingest-file says a slow series lands without partitions (was 'none partitions')", async () => {
  const repo = new URL("../../", import.meta.url).pathname;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/huron.csv`, "year,level\n1875,580.38\n1876,581.86\n");
    const r = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "--frozen",
        "tasks/ingest_file.ts",
        `${dir}/huron.csv`,
        ...["--dataset", "huron", "--kind", "series", "--freq", "year", "--symbol", "HURON"],
        ...["--calendar", "none", "--currency", "none", "--time-format", "%Y"],
        ...["--map", "ts=year", "--map", "value=level"],
      ],
      cwd: repo,
      env: { WORKBENCH_DATA: `${dir}/lake`, TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = new TextDecoder().decode(r.stdout);
    assertEquals(r.code, 0, new TextDecoder().decode(r.stderr));
    assert(
      out.includes(
        "series, year, calendar none, currency none, units unknown, no partitions (one folder)",
      ),
      out,
    );
    assert(out.includes("rows landed:      2"), out);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
