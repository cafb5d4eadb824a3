/** `deno task notebooks`: execute every notebook headless and write it as HTML. */
import { resolve } from "node:path";
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { executeNotebook, jupyterAvailable } from "../lib/report/notebook_run.ts";

const TASK = defineTask({
  name: "notebooks",
  summary: "Execute every notebook in notebooks/ on the Deno kernel and write it as HTML.",
  options: {
    only: {
      type: "string",
      example: "backtest",
      description: "Only notebooks whose file name contains this text",
    },
  },
  details: `The executed notebooks are written to data/notebooks/<name>.html. Needs Jupyter:
  sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install
Each notebook may run up to 900 s; a failed one prints the end of its error output. Outputs the Deno kernel sends after a cell finished are kept (lib/report/notebook_run.ts).

Exit codes: 0 every notebook executed, 1 a notebook failed (or Jupyter is missing), 2 bad
arguments (also when --only matches no notebook).`,
  examples: ["--only backtest"],
});

await runTask(TASK, async ({ values }) => {
  const repo = new URL("../", import.meta.url).pathname;
  const outDir = resolve(repo, "data/notebooks");
  const names = [...Deno.readDirSync(resolve(repo, "notebooks"))]
    .filter((e) =>
      e.isFile && e.name.endsWith(".ipynb") && (!values.only || e.name.includes(values.only))
    )
    .map((e) => e.name)
    .sort();
  if (names.length === 0) {
    throw new UsageError(
      values.only ? `--only ${JSON.stringify(values.only)} matches no notebook` : "no notebooks",
    );
  }
  if (!jupyterAvailable()) {
    throw new Error(
      "Jupyter with the Deno kernel not found: sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
    );
  }
  Deno.mkdirSync(outDir, { recursive: true });
  let failed = 0;
  for (const nb of names) {
    const t0 = performance.now();
    const executed = resolve(outDir, nb);
    const exec = await executeNotebook(resolve(repo, "notebooks", nb), executed, {
      timeoutS: 900,
    });
    let o = { success: exec.ok, stderr: exec.stderr };
    if (exec.ok) {
      const html = await new Deno.Command("jupyter-nbconvert", {
        args: ["--to", "html", "--output-dir", outDir, executed],
        stdout: "piped",
        stderr: "piped",
      }).output();
      o = { success: html.success, stderr: new TextDecoder().decode(html.stderr) };
    }
    const secs = ((performance.now() - t0) / 1000).toFixed(1);
    if (o.success) {
      const again = exec.transportRetries
        ? " (run twice: a kernel message failed its signature)"
        : "";
      console.log(
        `ok    ${nb} (${secs} s) -> data/notebooks/${nb.replace(/\.ipynb$/, ".html")}${again}`,
      );
    } else {
      failed++;
      console.log(`FAIL  ${nb} (${secs} s)\n${o.stderr.slice(-2000)}`);
    }
  }
  console.log(`${names.length - failed} of ${names.length} notebooks executed`);
  return failed ? 1 : 0;
});
