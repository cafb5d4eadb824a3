/**
 * The glibc malloc setting of the ingest processes (`deno task backfill`, `stream`, `curate`,
 * the ingest benches): `GLIBC_TUNABLES=glibc.malloc.hugetlb=1`, i.e. malloc's heap is backed by
 * transparent huge pages (2 MiB) where the kernel allows them (`madvise` mode).
 *
 * Why: Polars' buffers belong to JS wrappers and are freed only when V8 collects those, so an
 * ingest's heap keeps growing between major collections and every 4 KiB page of new heap costs a
 * page fault on first write. On this machine (a VM where a fault costs ~11 us) that was 12-20k
 * faults per 468k-row ingest run on the JS thread, in about half the runs: the JS thread's CPU
 * time per run went from ~190 ms to ~400 ms. With huge pages: 0-100 faults per run.
 *
 * The setting must be in the environment when the process starts (glibc reads it once), hence
 * the task definitions in deno.json; a process started without it works the same, only slower.
 */

/** The value of `GLIBC_TUNABLES` the ingest tasks run with. */
export const INGEST_GLIBC_TUNABLES = "glibc.malloc.hugetlb=1";

/** True when this process was started with {@link INGEST_GLIBC_TUNABLES}. */
export function ingestMallocActive(): boolean {
  try {
    return (Deno.env.get("GLIBC_TUNABLES") ?? "").split(":").includes(INGEST_GLIBC_TUNABLES);
  } catch {
    return false; // no env permission: unknown, treated as not set
  }
}

/**
 * For a script run directly (`deno run bench/x.ts`) on Linux without the setting: run it again
 * in a child process with the setting and the same arguments, and return the child's exit code
 * (the caller exits with it). Null when nothing was done (already set, not Linux, or opted out
 * with `--no-malloc-tunables`). Not for tasks that tests kill: a SIGKILL of the parent would
 * leave the child running.
 */
export async function rerunWithIngestMalloc(script: string | URL): Promise<number | null> {
  if (Deno.build.os !== "linux" || ingestMallocActive()) return null;
  if (Deno.args.includes("--no-malloc-tunables")) return null;
  const current = Deno.env.get("GLIBC_TUNABLES");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--frozen", new URL(script).pathname, ...Deno.args],
    env: {
      GLIBC_TUNABLES: current ? `${current}:${INGEST_GLIBC_TUNABLES}` : INGEST_GLIBC_TUNABLES,
    },
    stdin: "inherit",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).code;
}
