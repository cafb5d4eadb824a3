/**
 * Running notebooks headless on the Deno kernel, for `deno task notebooks` and the tests.
 *
 * Notebooks run through `_notebook_exec.py` (nbclient, as `jupyter nbconvert --execute` does),
 * which also keeps a cell's outputs that the Deno kernel publishes after it reported the cell
 * idle: plain nbconvert drops those without an error (seen here for a query table, a
 * console.log line and the plotly.js bundle). The script runs on the Python interpreter that
 * runs Jupyter (the one named by `jupyter-nbconvert`'s first line), which has nbclient.
 */
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { missingPathMessage, UsageError } from "../cli/task.ts";

const EXEC_SCRIPT = fileURLToPath(new URL("./_notebook_exec.py", import.meta.url));

function commandOk(cmd: string, args: string[]): string | null {
  try {
    const o = new Deno.Command(cmd, { args, stdout: "piped", stderr: "null" }).outputSync();
    return o.success ? new TextDecoder().decode(o.stdout) : null;
  } catch {
    return null;
  }
}

/** Whether Jupyter (nbconvert) and the Deno kernel are installed. */
export function jupyterAvailable(): boolean {
  return commandOk("jupyter-nbconvert", ["--version"]) !== null &&
    (commandOk("jupyter", ["kernelspec", "list"]) ?? "").includes("deno");
}

/** The Python interpreter that runs Jupyter (from `jupyter-nbconvert`'s first line). */
export function jupyterPython(): string {
  const path = (commandOk("sh", ["-c", "command -v jupyter-nbconvert"]) ?? "").trim();
  if (!path) return "python3";
  const first = Deno.readTextFileSync(path).split("\n", 1)[0]!;
  const m = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first);
  if (!m) return "python3";
  return m[1]!.endsWith("/env") && m[2] ? m[2] : m[1]!;
}

/** Options of {@link executeNotebook}. */
export interface ExecuteNotebookOptions {
  /** Seconds a cell may run. @default 600 */
  timeoutS?: number;
  /** Seconds to wait for a cell's output messages. @default 120 */
  iopubTimeoutS?: number;
  /** Extra environment of the kernel (e.g. WORKBENCH_DATA). @default none */
  env?: Record<string, string>;
}

/** Outcome of {@link executeNotebook}. */
export interface ExecuteNotebookResult {
  ok: boolean;
  /** The runner's stderr (nbclient errors, "late output: cell N ..." lines). */
  stderr: string;
  /** Outputs kept that the kernel sent after the cell's idle status. */
  lateOutputs: number;
  /**
   * Runs started again because the Jupyter client refused a kernel message's signature (0 or
   * 1): a transport fault of the Deno kernel under load, not an error of the notebook.
   */
  transportRetries: number;
}

/** jupyter_client's error for a kernel message whose HMAC does not match its bytes. */
const BAD_SIGNATURE = /ValueError: Invalid Signature/;

/**
 * Execute `input` (.ipynb) into `output` (.ipynb with outputs); the kernel runs in the input's
 * folder. Never throws for a failing notebook: `ok` is false and `stderr` says why. A run the
 * Jupyter client stops on a kernel message with an invalid signature (a Deno kernel transport
 * fault seen under load) is run once more (`transportRetries`).
 *
 * @example
 * ```ts ignore
 * const r = await executeNotebook("notebooks/backtest.ipynb", "/tmp/backtest.ipynb");
 * ```
 */
export async function executeNotebook(
  input: string,
  output: string,
  o: ExecuteNotebookOptions = {},
): Promise<ExecuteNotebookResult> {
  const first = await executeOnce(input, output, o);
  if (first.ok || !BAD_SIGNATURE.test(first.stderr)) return first;
  // A kernel message the client could not authenticate ends the run wherever it falls: the
  // notebook is run once more from the start in a new kernel (its lake writes are idempotent),
  // and the result says so. A notebook error, or the same fault twice, is returned as it is.
  const again = await executeOnce(input, output, o);
  return {
    ...again,
    stderr:
      `first run stopped by a kernel message with an invalid signature; run again\n${again.stderr}`,
    transportRetries: 1,
  };
}

async function executeOnce(
  input: string,
  output: string,
  o: ExecuteNotebookOptions,
): Promise<ExecuteNotebookResult> {
  const res = await new Deno.Command(jupyterPython(), {
    args: [
      EXEC_SCRIPT,
      resolve(input),
      resolve(output),
      "--timeout",
      String(o.timeoutS ?? 600),
      "--iopub-timeout",
      String(o.iopubTimeoutS ?? 120),
    ],
    env: { NO_COLOR: "1", ...o.env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(res.stderr);
  return {
    ok: res.success,
    stderr,
    lateOutputs: stderr.split("\n").filter((l) => l.startsWith("late output:")).length,
    transportRetries: 0,
  };
}

/**
 * The notebooks named by `paths`: an `.ipynb` file as it is, a folder as its `*.ipynb` files
 * (sorted, not its subfolders, so `.ipynb_checkpoints/` is skipped). Absolute paths, in order, each
 * once. Throws a {@link UsageError} for a missing path, a file that is not `.ipynb` or a folder
 * holding none.
 *
 * @example notebooksAt(["/home/me/research"]) // ["/home/me/research/explore.ipynb", ...]
 */
export function notebooksAt(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    let info: Deno.FileInfo;
    try {
      info = Deno.statSync(abs);
    } catch {
      throw new UsageError(`${p}: ${missingPathMessage(p)}`);
    }
    if (info.isDirectory) {
      const found = [...Deno.readDirSync(abs)]
        .filter((e) => e.isFile && e.name.endsWith(".ipynb"))
        .map((e) => join(abs, e.name))
        .sort();
      if (found.length === 0) throw new UsageError(`${p}: a folder with no .ipynb notebook`);
      out.push(...found);
    } else if (abs.endsWith(".ipynb")) out.push(abs);
    else throw new UsageError(`${p}: not a notebook (.ipynb)`);
  }
  return [...new Set(out)];
}

/** Convert an executed notebook to `<name>.html` in `outDir` (`jupyter-nbconvert --to html`). */
export async function toHtml(
  notebook: string,
  outDir: string,
): Promise<{ success: boolean; stderr: string }> {
  const html = await new Deno.Command("jupyter-nbconvert", {
    args: ["--to", "html", "--output-dir", outDir, notebook],
    stdout: "piped",
    stderr: "piped",
  }).output();
  return { success: html.success, stderr: new TextDecoder().decode(html.stderr) };
}
