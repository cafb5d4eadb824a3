/**
 * Shared pieces of the side-by-side benchmarks (backtest_compare, consolidate_compare,
 * options_compare): a long-lived Python peer spoken to line by line, the median of timed rounds,
 * and the load average printed beside the figures.
 */

/** Median of a non-empty list (mean of the two middle values for an even count). */
export const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : 0.5 * (s[m - 1]! + s[m]!);
};

/** The 1, 5 and 15 minute load averages from /proc/loadavg, or "n/a". */
export const loadavg = (): string => {
  try {
    return Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  } catch {
    return "n/a";
  }
};

/**
 * A long-lived `/usr/bin/python3` peer: one command line in, one JSON line out; an answer with
 * an `error` field, or the peer ending, is an Error carrying its last stderr line.
 */
export class PythonPeer {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #reader: ReadableStreamDefaultReader<string>;
  #buf = "";
  constructor(script: URL) {
    this.#child = new Deno.Command("/usr/bin/python3", {
      args: [script.pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#reader = this.#child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  }
  async ask<T = Record<string, unknown>>(cmd: string): Promise<T> {
    await this.#writer.write(new TextEncoder().encode(cmd + "\n"));
    while (!this.#buf.includes("\n")) {
      const { value, done } = await this.#reader.read();
      if (done) {
        const err = await new Response(this.#child.stderr).text();
        throw new Error(`peer ended: ${err.trim().split("\n").slice(-1)[0] ?? ""}`);
      }
      this.#buf += value;
    }
    const at = this.#buf.indexOf("\n");
    const line = this.#buf.slice(0, at);
    this.#buf = this.#buf.slice(at + 1);
    const answer = JSON.parse(line);
    if (answer && typeof answer === "object" && "error" in answer && answer.error) {
      throw new Error(`peer: ${answer.error}`);
    }
    return answer as T;
  }
  async close(): Promise<void> {
    try {
      await this.#writer.write(new TextEncoder().encode("quit\n"));
      await this.#writer.close();
    } catch { /* already gone */ }
    await this.#child.status;
    await this.#child.stderr.cancel().catch(() => {});
  }
}
