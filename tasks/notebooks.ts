/**
 * deno task notebooks [--only NAME]
 *
 * Executes every notebook in notebooks/ headless on the Deno kernel and writes the executed
 * notebooks as HTML under data/notebooks/ for reading. Needs Jupyter (see the README).
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";

const { values } = parseArgs({ args: Deno.args, options: { only: { type: "string" } } });
const repo = new URL("../", import.meta.url).pathname;
const outDir = resolve(repo, "data/notebooks");
Deno.mkdirSync(outDir, { recursive: true });
const names = [...Deno.readDirSync(resolve(repo, "notebooks"))]
  .filter((e) =>
    e.isFile && e.name.endsWith(".ipynb") && (!values.only || e.name.includes(values.only))
  )
  .map((e) => e.name)
  .sort();
let failed = 0;
for (const nb of names) {
  const t0 = performance.now();
  let o: Deno.CommandOutput;
  try {
    o = await new Deno.Command("jupyter-nbconvert", {
      args: [
        "--to",
        "html",
        "--execute",
        "--ExecutePreprocessor.timeout=900",
        "--output-dir",
        outDir,
        resolve(repo, "notebooks", nb),
      ],
      cwd: repo,
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch {
    console.error(
      "jupyter-nbconvert not found: sudo apt-get install jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
    );
    Deno.exit(1);
  }
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (o.success) {
    console.log(`ok    ${nb} (${secs} s) -> data/notebooks/${nb.replace(/\.ipynb$/, ".html")}`);
  } else {
    failed++;
    console.log(`FAIL  ${nb} (${secs} s)\n${new TextDecoder().decode(o.stderr).slice(-2000)}`);
  }
}
console.log(`${names.length - failed} of ${names.length} notebooks executed`);
Deno.exit(failed ? 1 : 0);
