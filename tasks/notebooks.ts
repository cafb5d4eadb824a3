/**
 * `deno task notebooks [PATH...]`: execute notebooks headless on the Deno kernel with the runner
 * that keeps late outputs (lib/report/notebook_run.ts). Without a path: every notebook in the
 * repository's notebooks/, written as HTML to data/notebooks/. With paths (a user's notebooks,
 * e.g. an `init-research` folder): each notebook is written back in place with its outputs, or to
 * --out DIR as .ipynb and .html.
 */
import { basename, join, resolve } from "node:path";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import {
  executeNotebook,
  jupyterAvailable,
  notebooksAt,
  toHtml,
} from "../lib/report/notebook_run.ts";

const TASK = defineTask({
  name: "notebooks",
  summary:
    "Execute notebooks on the Deno kernel, keeping late outputs: notebooks/ as HTML, or the notebooks given.",
  positionals: [{
    name: "PATH",
    variadic: true,
    description:
      "Notebooks (.ipynb) or folders of them (not their subfolders) to run instead of the repository's notebooks/",
  }],
  options: {
    only: {
      type: "string",
      example: "backtest",
      description: "Only notebooks whose file name contains this text",
    },
    out: {
      type: "string",
      example: "~/research/executed",
      description:
        "With PATHs: write <name>.ipynb and <name>.html to this folder instead of executing in place",
    },
  },
  details:
    `Use this task, not plain \`jupyter nbconvert --execute\`, to run a notebook headless: the Deno
kernel sometimes sends a cell's output (a chart, a table) after it reported the cell finished, and
plain nbconvert then drops it without an error (exit 0, an empty cell). This task keeps such late
outputs (lib/report/_notebook_exec.py, run through lib/report/notebook_run.ts).

Without PATH: every notebook in notebooks/ is executed and written to data/notebooks/<name>.html.
With PATHs: each notebook runs in its own folder (relative imports and files resolve there) and,
when it executed without error, is written back IN PLACE with its outputs (its cells' sources are
unchanged, as \`jupyter nbconvert --execute --inplace\`); with --out DIR it is left alone and DIR
gets <name>.ipynb (with outputs) and <name>.html. A notebook that fails is not rewritten. A relative
PATH is read from the workbench folder (where deno task runs): give an absolute path.

Needs Jupyter:
  sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install
Each notebook may run up to 900 s; a failed one prints the end of its error output.

Exit codes: 0 every notebook executed, 1 a notebook failed (or Jupyter is missing), 2 bad
arguments (a PATH that is missing or holds no notebook, --only matching none, --out without PATH).`,
  examples: ["--only backtest", "~/research/user_msft.ipynb", "~/research --out /tmp/executed"],
});

await runTask(TASK, async ({ values, positionals }) => {
  const repo = new URL("../", import.meta.url).pathname;
  const userPaths = positionals.length > 0;
  if (values.out !== undefined && !userPaths) {
    throw new UsageError(
      "--out needs notebook PATHs (notebooks/ is always written to data/notebooks/)",
    );
  }
  const all = userPaths ? notebooksAt(positionals) : notebooksAt([resolve(repo, "notebooks")]);
  const paths = all.filter((p) => !values.only || basename(p).includes(values.only));
  if (paths.length === 0) {
    throw new UsageError(
      values.only ? `--only ${JSON.stringify(values.only)} matches no notebook` : "no notebooks",
    );
  }
  if (values.out !== undefined) {
    const seen = new Map<string, string>();
    for (const p of paths) {
      const prev = seen.get(basename(p));
      if (prev) {
        throw new UsageError(`--out: ${prev} and ${p} would both be written as ${basename(p)}`);
      }
      seen.set(basename(p), p);
    }
  }
  if (!jupyterAvailable()) {
    throw new Error(
      "Jupyter with the Deno kernel not found: sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
    );
  }
  const outDir = userPaths
    ? (values.out === undefined ? undefined : resolve(values.out))
    : resolve(repo, "data/notebooks");
  if (outDir) Deno.mkdirSync(outDir, { recursive: true });
  let failed = 0;
  for (const nb of paths) {
    const t0 = performance.now();
    const name = basename(nb);
    // In place: execute to a temporary file beside it, and replace the notebook only on success.
    const executed = outDir ? join(outDir, name) : `${nb}.executing-${Deno.pid}.ipynb`;
    const exec = await executeNotebook(nb, executed, { timeoutS: 900 });
    let o = { success: exec.ok, stderr: exec.stderr };
    let wrote = executed;
    if (exec.ok && outDir) {
      o = await toHtml(executed, outDir);
      wrote = join(outDir, name.replace(/\.ipynb$/, ".html"));
    } else if (exec.ok) {
      Deno.renameSync(executed, nb);
      wrote = `${nb} (in place)`;
    } else if (!outDir) {
      try {
        Deno.removeSync(executed);
      } catch { /* nothing was written */ }
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    const shown = userPaths ? nb : name;
    if (o.success) {
      const again = exec.transportRetries
        ? " (run twice: a kernel message failed its signature)"
        : "";
      const late = exec.lateOutputs ? ` (${exec.lateOutputs} late outputs kept)` : "";
      const dest = userPaths ? wrote : `data/notebooks/${name.replace(/\.ipynb$/, ".html")}`;
      console.log(`ok    ${shown} (${secs} s) -> ${dest}${again}${late}`);
    } else {
      failed++;
      console.log(`FAIL  ${shown} (${secs} s)\n${o.stderr.slice(-2000)}`);
    }
  }
  console.log(`${paths.length - failed} of ${paths.length} notebooks executed`);
  return failed ? 1 : 0;
});
