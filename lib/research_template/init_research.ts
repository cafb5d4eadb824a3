/**
 * A research folder outside the repository that imports the workbench with no other setup
 * (`deno task init-research DIR`).
 *
 * Deno resolves a bare specifier (`"zod"`, `"luxon"`, `"nodejs-polars"`) through the import map
 * of the configuration it runs with, whichever file the import is written in. A script started
 * in a folder without that map fails inside the workbench's own files ("Import "zod" not a
 * dependency"). The folder's `deno.json` therefore carries:
 * - `"workbench/"`: the file URL of this checkout's `lib/`, so code writes
 *   `import { ... } from "workbench/backtest/mod.ts"`;
 * - the workbench's own npm imports, `nodeModulesDir` and compiler options, copied from its
 *   `deno.json` at the time of the call (rerun with `--force` after upgrading the workbench);
 * and the workbench's `deno.lock` is copied beside it, so the same npm versions resolve (no
 * registry lookup beyond the packages' tarballs, which Deno's cache usually holds already).
 *
 * Files written: `deno.json`, `deno.lock`, `README.md`, `my_strategy.ts` (a starter strategy:
 * a zod schema of its parameters and a factory), `explore.ipynb` (Deno kernel: fills the lake from
 * the simulated market when it is empty, reads a lake dataset through a dataset reference, plots
 * it and backtests the starter strategy on it), `.gitignore`.
 *
 * @example
 * ```ts ignore
 * const written = await initResearch("/home/me/research");
 * // then: cd /home/me/research && deno run -A my_script.ts
 * ```
 */
import { join, resolve } from "node:path";
import { fromFileUrl, toFileUrl } from "./_url.ts";

/** Options of {@link initResearch}. */
export interface InitResearchOptions {
  /** Write into a folder that is not empty (files of the same name are replaced). @default false */
  force?: boolean;
  /** The workbench checkout whose `lib/` is imported. @default this checkout */
  workbench?: string;
}

/** What {@link initResearch} wrote. */
export interface InitResearchResult {
  /** Absolute path of the folder. */
  dir: string;
  /** File URL the `workbench/` import maps to (ends with `/lib/`). */
  workbenchLib: string;
  /** Files written, relative to `dir`. */
  files: string[];
}

/** The folder is not empty and `force` was not given. */
export class FolderNotEmptyError extends Error {
  override name = "FolderNotEmptyError";
}

const TEMPLATES = new URL("./files/", import.meta.url);
const FILES: [template: string, target: string][] = [
  ["README.md.tmpl", "README.md"],
  ["my_strategy.ts.tmpl", "my_strategy.ts"],
  ["explore.ipynb.tmpl", "explore.ipynb"],
  ["gitignore.tmpl", ".gitignore"],
];

/** The checkout this module belongs to. */
export function workbenchRoot(): string {
  return fromFileUrl(new URL("../../", import.meta.url));
}

/**
 * The research folder's `deno.json`: the `workbench/` import plus the workbench's imports,
 * `nodeModulesDir` and `compilerOptions` (nothing else: tasks, fmt and lint settings are the
 * user's).
 */
export function researchDenoJson(workbench: string): Record<string, unknown> {
  const path = join(workbench, "deno.json");
  let cfg: Record<string, unknown>;
  try {
    cfg = JSON.parse(Deno.readTextFileSync(path));
  } catch (e) {
    throw new Error(`Cannot read the workbench's configuration ${path}: ${(e as Error).message}`);
  }
  const imports = cfg.imports as Record<string, string> | undefined;
  if (!imports || typeof imports !== "object") {
    throw new Error(`Cannot set up imports: ${path} has no "imports" map`);
  }
  const lib = toFileUrl(join(workbench, "lib")) + "/";
  return {
    nodeModulesDir: cfg.nodeModulesDir ?? "auto",
    imports: { "workbench/": lib, ...imports },
    ...(cfg.compilerOptions ? { compilerOptions: cfg.compilerOptions } : {}),
  };
}

/**
 * Write a research folder (module doc). The folder is created when missing; an existing folder
 * must be empty unless `force` is set.
 *
 * @throws FolderNotEmptyError when `dir` holds files and `force` is not set; Error when `dir` is
 *   a file or the workbench's `deno.json` cannot be read.
 */
export async function initResearch(
  dir: string,
  options: InitResearchOptions = {},
): Promise<InitResearchResult> {
  const target = resolve(dir);
  const workbench = resolve(options.workbench ?? workbenchRoot());
  const denoJson = researchDenoJson(workbench);
  let entries: string[] = [];
  try {
    const st = await Deno.stat(target);
    if (!st.isDirectory) {
      throw new Error(`Cannot write a research folder at ${target}: it is a file`);
    }
    for await (const e of Deno.readDir(target)) entries.push(e.name);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    entries = [];
  }
  if (entries.length > 0 && !options.force) {
    throw new FolderNotEmptyError(
      `Cannot write a research folder into ${target}: it is not empty (${entries.length} entries, ` +
        `e.g. ${entries.sort().slice(0, 3).join(", ")}); use --force to write into it anyway`,
    );
  }
  await Deno.mkdir(target, { recursive: true });
  const lib = (denoJson.imports as Record<string, string>)["workbench/"]!;
  const vars: Record<string, string> = {
    WORKBENCH_LIB: lib,
    WORKBENCH_ROOT: workbench,
  };
  const files: string[] = [];
  await Deno.writeTextFile(join(target, "deno.json"), JSON.stringify(denoJson, null, 2) + "\n");
  files.push("deno.json");
  try {
    await Deno.copyFile(join(workbench, "deno.lock"), join(target, "deno.lock"));
    files.push("deno.lock");
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  for (const [tmpl, out] of FILES) {
    const text = await Deno.readTextFile(new URL(tmpl, TEMPLATES));
    await Deno.writeTextFile(join(target, out), fill(text, vars, tmpl));
    files.push(out);
  }
  return { dir: target, workbenchLib: lib, files };
}

/** Replace `{{NAME}}` placeholders; an unknown name is a bug in the template. */
function fill(text: string, vars: Record<string, string>, name: string): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_m, k: string) => {
    const v = vars[k];
    if (v === undefined) throw new Error(`Template ${name} uses an unknown placeholder {{${k}}}`);
    return v;
  });
}
