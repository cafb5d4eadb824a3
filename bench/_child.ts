/**
 * Bench helpers: CPU seconds of a process, and a loopback server run as a child process of the
 * bench script itself (`<script> --serve`), so that the server's work does not share the
 * client's event loop and the client's CPU can be measured alone.
 */

/** CPU seconds (user + system) used by a process so far, from /proc/<pid>/stat (Linux). */
export function cpuSeconds(pid: number | "self" = "self"): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
}

/** A server in a child process: the JSON line it printed when listening, its CPU, a stop. */
export interface ChildServer<T> {
  info: T;
  cpu(): number;
  close(): Promise<void>;
}

/**
 * Run `script --serve` with `env`; the child prints one JSON line once listening and serves until
 * its stdin closes.
 */
export async function spawnServer<T>(
  script: string | URL,
  env: Record<string, string>,
): Promise<ChildServer<T>> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(script).pathname, "--serve"],
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buf = "";
  while (!buf.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the server process of ${script} exited before listening`);
    buf += value;
  }
  return {
    info: JSON.parse(buf.slice(0, buf.indexOf("\n"))) as T,
    cpu: () => cpuSeconds(child.pid),
    close: async () => {
      await child.stdin.close();
      await reader.cancel();
      await child.status;
    },
  };
}
