import { fileURLToPath } from "node:url";

const TASK = fileURLToPath(new URL("../../tasks/ingest_file.ts", import.meta.url));

/** Run `tasks/ingest_file.ts` as a user does; returns the exit code, stdout and stderr. */
export async function ingestFileTask(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", TASK, ...args],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}
