/**
 * `deno task verify` on an s3:// lake with a wrong secret key: the HTTP 403 is a credentials
 * problem, so the task says to check the S3 keys and does not suggest `--repair` (which cannot
 * fix it, and would run against a lake it cannot read).
 */
import { writeDataset } from "../../lib/lake/mod.ts";
import { assert, assertEquals } from "../_assert.ts";
import { backends, withBackend } from "./_backends.ts";
import { BARS, bars } from "./_fixtures.ts";

const W = { transformId: "test@1", sourceUri: "test://unit", ingestedAt: new Date(0) };
const TASK = new URL("../../tasks/verify.ts", import.meta.url).pathname;

for (const b of backends().filter((b) => b.kind !== "local")) {
  Deno.test({
    name: `[${b.kind}] verify with a wrong S3 secret: check the keys, no --repair hint`,
    ignore: b.ignore,
    sanitizeResources: false,
    sanitizeOps: false,
    fn: () =>
      withBackend(b.kind, async (lake) => {
        await writeDataset(BARS, bars(["A"], 10), { ...W, root: lake.root });
        const secret = lake.env.WORKBENCH_S3_SECRET_ACCESS_KEY!;
        const cache = await Deno.makeTempDir();
        try {
          const o = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "--frozen", TASK],
            env: {
              ...lake.env,
              WORKBENCH_S3_SECRET_ACCESS_KEY: `${secret.slice(0, -6)}XXXXXX`,
              WORKBENCH_CACHE_DIR: cache,
              WORKBENCH_DATA: lake.root,
              WORKBENCH_DEBUG: "0",
            },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const out = new TextDecoder().decode(o.stdout) + new TextDecoder().decode(o.stderr);
          assertEquals(o.code, 1, out);
          assert(/403/.test(out), out);
          assert(out.includes("WORKBENCH_S3_ACCESS_KEY_ID"), out);
          assert(out.includes("WORKBENCH_S3_SECRET_ACCESS_KEY"), out);
          assert(!out.includes("run with --repair"), out);
          assert(!out.includes(secret.slice(0, 12)), "no key in the output");
        } finally {
          await Deno.remove(cache, { recursive: true });
        }
      }),
  });
}
