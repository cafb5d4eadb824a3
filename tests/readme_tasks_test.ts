/**
 * The README's task table cannot drift (issue 19, build item 5):
 * - every task in `deno.json` has exactly one row, and no row names a task that does not exist;
 * - a task that runs a `tasks/*.ts` or `bench/*.ts` script: the row's purpose equals the task's
 *   declared summary (the third line of its `--help`), and every `--option` in the row's example
 *   is an option its `--help` lists;
 * - every example starts with `deno task <name>`; tasks that run a tool directly (`test`, `bench`,
 *   `build-wasm`) have a non-empty purpose.
 * Scripts run as subprocesses from an empty folder with an empty lake, two at a time.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "./_assert.ts";

const REPO = dirname(dirname(fileURLToPath(import.meta.url)));
/** Subprocesses at a time (the dev machine has 2 cores). */
const CONCURRENCY = 2;

/** One row of the README's task table. */
export interface TaskRow {
  name: string;
  purpose: string;
  example: string;
}

/** Split a Markdown table row on its unescaped pipes; `\|` inside a cell becomes `|`. */
export function tableCells(line: string): string[] {
  const inner = line.trim().replace(/^\|/, "").replace(/\|$/, "");
  return inner.split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
}

/** The rows of the table under the README's "### Tasks" heading. */
export function readmeTaskRows(readme: string): TaskRow[] {
  const at = readme.indexOf("\n### Tasks\n");
  if (at < 0) throw new Error('README has no "### Tasks" section');
  const next = readme.indexOf("\n#", at + 10);
  const section = readme.slice(at, next < 0 ? undefined : next);
  const rows: TaskRow[] = [];
  for (const line of section.split("\n")) {
    if (!line.startsWith("| `")) continue;
    const cells = tableCells(line);
    if (cells.length !== 3) throw new Error(`task row without 3 cells: ${line}`);
    const code = (s: string) => /^`(.*)`$/.exec(s)?.[1];
    const name = code(cells[0]!);
    const example = code(cells[2]!);
    if (name === undefined || example === undefined) {
      throw new Error(`task row: name and example must be code spans: ${line}`);
    }
    rows.push({ name, purpose: cells[1]!, example });
  }
  return rows;
}

/** `--options` written in an example (not inside a quoted SQL string). */
export function exampleOptions(example: string): string[] {
  const unquoted = example.replace(/"[^"]*"|'[^']*'/g, "");
  return [...unquoted.matchAll(/(?:^|\s)--([a-z][\w-]*)/g)].map((m) => m[1]!);
}

/** `deno task` name -> script, for every task that runs `deno run ... tasks|bench/<x>.ts`. */
function taskScripts(tasks: Record<string, string>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, cmd] of Object.entries(tasks)) {
    const m = /\bdeno run\b.*?\s((?:tasks|bench)\/[\w/.-]+\.ts)\b/.exec(cmd);
    if (m) out.set(name, m[1]!);
  }
  return out;
}

Deno.test("tableCells / readmeTaskRows / exampleOptions: escaped pipes, code spans, quoted SQL", () => {
  assertEquals(tableCells("| `q` | a \\| b | `deno task q --format table\\|csv` |"), [
    "`q`",
    "a | b",
    "`deno task q --format table|csv`",
  ]);
  const md = "x\n### Tasks\n\n| task | purpose | example |\n| --- | --- | --- |\n" +
    "| `a` | Do a. | `deno task a --x 1` |\n\n### Next\n| `b` | no | `deno task b` |\n";
  assertEquals(readmeTaskRows(md), [{ name: "a", purpose: "Do a.", example: "deno task a --x 1" }]);
  assertEquals(exampleOptions('deno task query "SELECT 1 --not" --format csv --out x.csv'), [
    "format",
    "out",
  ]);
});

Deno.test({
  name:
    "README task table: every deno.json task once, purpose = --help summary, examples use real options",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const cfg = JSON.parse(await Deno.readTextFile(join(REPO, "deno.json"))) as {
      tasks: Record<string, string>;
    };
    const rows = readmeTaskRows(await Deno.readTextFile(join(REPO, "README.md")));
    const names = rows.map((r) => r.name);
    const dupes = names.filter((n, i) => names.indexOf(n) !== i);
    assertEquals(dupes, [], "tasks listed twice in the README");
    const declared = Object.keys(cfg.tasks).sort();
    assertEquals(
      declared.filter((n) => !names.includes(n)),
      [],
      "deno.json tasks missing from the README table",
    );
    assertEquals(
      names.filter((n) => !declared.includes(n)),
      [],
      "README rows for tasks not in deno.json",
    );
    for (const r of rows) {
      assert(
        r.example === `deno task ${r.name}` || r.example.startsWith(`deno task ${r.name} `),
        `${r.name}: example must start with "deno task ${r.name}": ${r.example}`,
      );
      assert(r.purpose.length > 0, `${r.name}: empty purpose`);
    }
    const scripts = taskScripts(cfg.tasks);
    const cwd = await Deno.makeTempDir({ prefix: "readme-tasks-" });
    const lake = await Deno.makeTempDir({ prefix: "readme-tasks-lake-" });
    const problems: string[] = [];
    try {
      const queue = rows.filter((r) => scripts.has(r.name));
      const worker = async () => {
        for (let r = queue.shift(); r; r = queue.shift()) {
          const o = await new Deno.Command(Deno.execPath(), {
            args: [
              "run",
              "-A",
              "--frozen",
              "--config",
              join(REPO, "deno.json"),
              join(REPO, scripts.get(r.name)!),
              "--help",
            ],
            cwd,
            env: { WORKBENCH_DATA: lake, NO_COLOR: "1", WORKBENCH_DEBUG: "0" },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const usage = new TextDecoder().decode(o.stdout);
          if (o.code !== 0) {
            problems.push(`${r.name}: --help exited ${o.code}`);
            continue;
          }
          const summary = usage.split("\n")[2] ?? "";
          if (summary !== r.purpose) {
            problems.push(
              `${r.name}: README purpose ${JSON.stringify(r.purpose)} != summary ${
                JSON.stringify(summary)
              }`,
            );
          }
          for (const opt of exampleOptions(r.example)) {
            if (!new RegExp(`(?:^|[\\s,])--${opt}(?![\\w-])`, "m").test(usage)) {
              problems.push(`${r.name}: example uses --${opt}, which --help does not list`);
            }
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    } finally {
      await Deno.remove(cwd, { recursive: true });
      await Deno.remove(lake, { recursive: true });
    }
    assertEquals(problems, [], problems.join("\n"));
  },
});
