/**
 * Run a workbench task (`tasks/<name>.ts`) as a user does, in a subprocess against a given lake:
 * `WORKBENCH_DATA` = lake, `TZ=UTC`, no debug stack traces; returns the exit code and the
 * decoded stdout and stderr. For task tests that check exit codes and messages.
 *
 * @example
 * ```ts ignore
 * const r = await runTaskIn("ingest_file", ["prices.csv", "--dataset", "p"], lake, dir);
 * r.code; // 0
 * ```
 */
import { fileURLToPath } from "node:url";

/** What a task run gave. */
export interface TaskRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `tasks/<task>.ts` with `args` on the lake `lake`, from `cwd` (module doc). */
export async function runTaskIn(
  task: string,
  args: string[],
  lake: string,
  cwd: string,
): Promise<TaskRun> {
  const file = fileURLToPath(new URL(`../tasks/${task}.ts`, import.meta.url));
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", file, ...args],
    env: { WORKBENCH_DATA: lake, TZ: "UTC", WORKBENCH_DEBUG: "0" },
    cwd,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: o.code, stdout: dec.decode(o.stdout), stderr: dec.decode(o.stderr) };
}

/** `ingest-file <file> --dataset <dataset> ...args` into `lake`, run from `dir`. */
export const ingestInto =
  (lake: string, dir: string) => (file: string, dataset: string, ...args: string[]) =>
    runTaskIn("ingest_file", [file, "--dataset", dataset, ...args], lake, dir);

/** Whether `p` exists (stat succeeds). */
export async function exists(p: string): Promise<boolean> {
  try {
    await Deno.stat(p);
    return true;
  } catch {
    return false;
  }
}
