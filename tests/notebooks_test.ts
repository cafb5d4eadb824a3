/**
 * Executes every notebook under notebooks/ headless through Jupyter's nbconvert on the Deno
 * kernel, and checks that notebooks are stored without outputs. Without Jupyter the execution
 * tests skip with a message saying how to install it, except in CI (env CI set), where they fail.
 */
import { assert, assertEquals } from "./_assert.ts";

const dir = new URL("../notebooks/", import.meta.url).pathname;
const notebooks = (() => {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".ipynb")).map((
      e,
    ) => e.name).sort();
  } catch {
    return [];
  }
})();

function hasJupyter(): boolean {
  try {
    const o = new Deno.Command("jupyter-nbconvert", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    }).outputSync();
    if (!o.success) return false;
    const k = new Deno.Command("jupyter", {
      args: ["kernelspec", "list"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    return new TextDecoder().decode(k.stdout).includes("deno");
  } catch {
    return false;
  }
}

const JUPYTER = hasJupyter();
const IN_CI = !!Deno.env.get("CI");
if (!JUPYTER && !IN_CI) {
  console.warn(
    "notebook tests SKIPPED: Jupyter with the Deno kernel is not installed. Install with:\n" +
      "  sudo apt-get install jupyter-notebook jupyter-nbconvert jupyter-client python3-nbclient && deno jupyter --install",
  );
}

for (const nb of notebooks) {
  Deno.test(`notebook ${nb} is stored without outputs`, () => {
    const doc = JSON.parse(Deno.readTextFileSync(dir + nb));
    assertEquals(doc.metadata?.kernelspec?.name, "deno", `${nb}: kernel must be deno`);
    for (const c of doc.cells) {
      if (c.cell_type !== "code") continue;
      assertEquals(c.outputs ?? [], [], `${nb}: a code cell has stored outputs`);
      assertEquals(c.execution_count ?? null, null, `${nb}: a code cell has an execution count`);
    }
  });
  Deno.test({
    name: `notebook ${nb} executes without error`,
    ignore: !JUPYTER && !IN_CI,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: async () => {
      assert(
        JUPYTER,
        "Jupyter with the Deno kernel is required in CI (apt-get install jupyter-nbconvert python3-nbclient; deno jupyter --install)",
      );
      const out = await Deno.makeTempDir({ prefix: "nb-" });
      const lake = await Deno.makeTempDir({ prefix: "nb-lake-" });
      try {
        const o = await new Deno.Command("jupyter-nbconvert", {
          args: [
            "--to",
            "notebook",
            "--execute",
            "--ExecutePreprocessor.timeout=600",
            "--output-dir",
            out,
            dir + nb,
          ],
          cwd: new URL("../", import.meta.url).pathname,
          env: { WORKBENCH_DATA: lake, NO_COLOR: "1" },
          stdout: "piped",
          stderr: "piped",
        }).output();
        const err = new TextDecoder().decode(o.stderr);
        assert(o.success, `${nb} failed:\n${err.slice(-4000)}`);
        const done = JSON.parse(Deno.readTextFileSync(`${out}/${nb}`));
        for (const c of done.cells) {
          for (const x of c.outputs ?? []) {
            assert(x.output_type !== "error", `${nb}: ${x.ename}: ${x.evalue}`);
          }
        }
      } finally {
        await Deno.remove(out, { recursive: true });
        await Deno.remove(lake, { recursive: true });
      }
    },
  });
}
