/**
 * `deno task notebooks PATH...` runs a user's notebooks (outside the repository's notebooks/)
 * with the executor that keeps late outputs (trial 10 finding 4):
 * - bad arguments exit 2 with one line (a missing path, a file that is not .ipynb, a folder
 *   without notebooks, --out without a PATH) and need no Jupyter;
 * - a notebook in an `init-research` folder that plots is executed IN PLACE: its sources are
 *   unchanged, the printed figure is the hand-worked one and the plot cell holds the chart with
 *   its data;
 * - a folder with --out DIR: DIR gets <name>.ipynb (with outputs) and <name>.html, the folder's
 *   notebook is left as it was;
 * - a notebook whose cell throws: exit 1, FAIL, and the notebook is not rewritten.
 * The Jupyter runs skip with a message without Jupyter and the Deno kernel (required in CI), as
 * tests/notebooks_test.ts.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";
import { jupyterAvailable } from "../../lib/report/notebook_run.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const dec = new TextDecoder();
const JUPYTER = jupyterAvailable();
const IN_CI = !!Deno.env.get("CI");
if (!JUPYTER && !IN_CI) {
  console.warn(
    "notebooks task tests SKIPPED (the Jupyter runs): Jupyter with the Deno kernel is not installed. Install with:\n" +
      "  sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
  );
}

async function run(args: string[], cwd = REPO) {
  const o = await new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    env: { NO_COLOR: "1", TZ: "UTC" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}
const notebooks = (args: string[]) =>
  run(["run", "-A", "--frozen", join(REPO, "tasks/notebooks.ts"), ...args]);
const errLines = (s: string) => s.split("\n").filter((l) => l.trim() !== "");

interface Cell {
  cell_type: string;
  source: string[];
  outputs?: { output_type: string; text?: string | string[]; data?: Record<string, unknown> }[];
}
const joined = (s: unknown) => (Array.isArray(s) ? s.join("") : typeof s === "string" ? s : "");

/** A Deno-kernel notebook of code cells. */
function notebook(cells: string[]): string {
  return JSON.stringify(
    {
      cells: cells.map((src, i) => ({
        cell_type: "code",
        execution_count: null,
        id: `c${i}`,
        metadata: {},
        outputs: [],
        source: src.split(/(?<=\n)/),
      })),
      metadata: {
        kernelspec: { display_name: "Deno", language: "typescript", name: "deno" },
        language_info: { name: "typescript", file_extension: ".ts", mimetype: "text/x.typescript" },
      },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

/** Squares of 1..4 (sum 1 + 4 + 9 + 16 = 30), printed and plotted with the workbench's plotOutput. */
const PLOT_NB = notebook([
  'import { plotOutput } from "workbench/report/mod.ts";\n' +
  "const xs = [1, 2, 3, 4];\nconst ys = xs.map((x) => x * x);\n" +
  "console.log(`sum of squares ${ys.reduce((a, b) => a + b, 0)}`);",
  'plotOutput([{ type: "scatter", mode: "lines", x: xs, y: ys, name: "squares" }], { title: "Squares of 1..4" });',
]);

/** The traces' y arrays of the Plotly figures in an html output. */
function plottedY(html: string): unknown[] {
  const re = /Plotly\.newPlot\("[^"]*", (\[.*?\]), \{/gs;
  return [...html.matchAll(re)].flatMap((m) =>
    (JSON.parse(m[1]!) as { y?: unknown }[]).map((t) => t.y)
  );
}

/** Checks the executed PLOT_NB's outputs. */
function assertPlotted(cells: Cell[]): void {
  assertEquals(cells.length, 2);
  const text = (cells[0]!.outputs ?? []).map((o) => joined(o.text)).join("");
  assert(text.includes("sum of squares 30"), `cell 0 printed ${JSON.stringify(text)}`);
  const html = (cells[1]!.outputs ?? []).map((o) => joined(o.data?.["text/html"])).join("");
  assert(html.includes("Squares of 1..4"), "the chart's title is in the plot cell's output");
  assertEquals(plottedY(html), [[1, 4, 9, 16]]);
}

Deno.test("notebooks PATH: bad arguments exit 2 with one line", async () => {
  const dir = await Deno.makeTempDir({ prefix: "nb_task_args_" });
  try {
    await Deno.writeTextFile(join(dir, "notes.txt"), "not a notebook");
    const cases: [string[], RegExp][] = [
      [[join(dir, "missing.ipynb")], /missing\.ipynb: no such file or folder/],
      [[join(dir, "notes.txt")], /not a notebook \(\.ipynb\)/],
      [[dir], /a folder with no \.ipynb notebook/],
      [["--out", dir], /--out needs notebook PATHs/],
    ];
    for (const [args, re] of cases) {
      const r = await notebooks(args);
      assertEquals(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
      assertEquals(errLines(r.stderr).length, 1, r.stderr);
      assert(re.test(r.stderr), r.stderr);
    }
    const help = await notebooks(["--help"]);
    assertEquals(help.code, 0);
    assert(/deno task notebooks \[PATH\.\.\.\]/.test(help.stdout), help.stdout);
    assert(/IN PLACE/.test(help.stdout) && /--out/.test(help.stdout), help.stdout);
    assert(/plain `jupyter nbconvert --execute`/.test(help.stdout), help.stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "notebooks PATH: a plotting notebook outside notebooks/ runs in place, or to --out",
  ignore: !JUPYTER && !IN_CI,
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    assert(JUPYTER, "Jupyter with the Deno kernel is required in CI");
    const base = await Deno.makeTempDir({ prefix: "nb_task_user_" });
    const dir = join(base, "research");
    try {
      const init = await run(["run", "-A", "--frozen", join(REPO, "tasks/init_research.ts"), dir]);
      assertEquals(init.code, 0, init.stderr);
      const nb = join(dir, "squares.ipynb");
      await Deno.writeTextFile(nb, PLOT_NB);
      const sources = (JSON.parse(PLOT_NB).cells as Cell[]).map((c) => c.source);

      // In place.
      const r = await notebooks([nb]);
      assertEquals(r.code, 0, `${r.stdout}\n${r.stderr.slice(-3000)}`);
      assert(r.stdout.includes(`ok    ${nb}`) && r.stdout.includes("(in place)"), r.stdout);
      assert(r.stdout.includes("1 of 1 notebooks executed"), r.stdout);
      const cells = JSON.parse(await Deno.readTextFile(nb)).cells as Cell[];
      assertEquals(cells.map((c) => c.source), sources, "sources unchanged");
      assertPlotted(cells);
      assertEquals(
        [...Deno.readDirSync(dir)].filter((e) => e.name.includes(".executing-")).length,
        0,
        "no temporary file left",
      );

      // A folder with --out: the folder's notebooks are left alone.
      await Deno.writeTextFile(nb, PLOT_NB);
      const out = join(base, "executed");
      const f = await notebooks([dir, "--only", "squares", "--out", out]);
      assertEquals(f.code, 0, `${f.stdout}\n${f.stderr.slice(-3000)}`);
      assertEquals(await Deno.readTextFile(nb), PLOT_NB, "the source notebook is not rewritten");
      assertEquals([...Deno.readDirSync(out)].map((e) => e.name).sort(), [
        "squares.html",
        "squares.ipynb",
      ]);
      assertPlotted(JSON.parse(await Deno.readTextFile(join(out, "squares.ipynb"))).cells);
      assert((await Deno.readTextFile(join(out, "squares.html"))).includes("Squares of 1..4"));

      // A failing notebook: exit 1, not rewritten.
      const bad = join(dir, "broken.ipynb");
      const badText = notebook(['throw new Error("broken on purpose");']);
      await Deno.writeTextFile(bad, badText);
      const b = await notebooks([bad]);
      assertEquals(b.code, 1, b.stdout);
      assert(b.stdout.includes(`FAIL  ${bad}`) && b.stdout.includes("broken on purpose"), b.stdout);
      assertEquals(await Deno.readTextFile(bad), badText);
    } finally {
      await Deno.remove(base, { recursive: true });
    }
  },
});
