/**
 * deno task init-research <DIR> [--force]
 *
 * Writes a research folder outside the repository whose scripts and notebooks import the
 * workbench with no other setup (lib/research_template): `deno.json` (the `workbench/` import of
 * this checkout's lib/ plus its npm imports and nodeModulesDir), `deno.lock`, a starter notebook,
 * a starter strategy and a README. Exit 0 written, 2 bad arguments or a non-empty DIR without
 * --force, 1 on a failure.
 */
import { defineTask, runTask, UsageError } from "../lib/cli/mod.ts";
import { FolderNotEmptyError, initResearch } from "../lib/research_template/mod.ts";

const TASK = defineTask({
  name: "init-research",
  summary: "Write a research folder whose scripts and notebooks import the workbench.",
  positionals: [{
    name: "DIR",
    description: "Folder to write (created when missing)",
    required: true,
  }],
  options: {
    force: { type: "boolean", description: "Write into a folder that is not empty" },
  },
  details: `Writes deno.json ("workbench/" -> this checkout's lib/, the workbench's npm imports and
nodeModulesDir), deno.lock, README.md, my_strategy.ts, explore.ipynb (Deno kernel) and .gitignore.
Then: cd DIR && deno run -A your_script.ts, or open explore.ipynb in Jupyter.
Exit codes: 0 written; 2 bad arguments or DIR not empty without --force; 1 failure.`,
  examples: ["~/research", "../my-study --force"],
});

await runTask(TASK, async ({ values, positionals }) => {
  const dir = positionals[0]!;
  if (dir.trim() === "") throw new UsageError("DIR is empty");
  try {
    const out = await initResearch(dir, { force: values.force });
    console.log(`research folder ${out.dir}`);
    console.log(`  workbench/ -> ${out.workbenchLib}`);
    console.log(`  wrote ${out.files.join(", ")}`);
    console.log(`next: cd ${out.dir} && deno run -A your_script.ts (or open explore.ipynb)`);
  } catch (e) {
    if (e instanceof FolderNotEmptyError) throw new UsageError(e.message);
    throw e;
  }
});
