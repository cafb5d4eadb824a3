import { assertEquals } from "../_assert.ts";
import { INGEST_GLIBC_TUNABLES } from "../../lib/core/malloc.ts";

const SCRIPT = `
import { ingestMallocActive, rerunWithIngestMalloc } from ${
  JSON.stringify(new URL("../../lib/core/malloc.ts", import.meta.url).href)
};
const code = await rerunWithIngestMalloc(import.meta.url);
if (code !== null) Deno.exit(code);
console.log(JSON.stringify({ active: ingestMallocActive(), env: Deno.env.get("GLIBC_TUNABLES") ?? null, args: Deno.args }));
`;

async function run(env: Record<string, string>, args: string[] = []) {
  const dir = await Deno.makeTempDir({ prefix: "malloc-test-" });
  try {
    const file = `${dir}/script.ts`;
    await Deno.writeTextFile(file, SCRIPT);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", file, ...args],
      env,
      clearEnv: true,
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assertEquals(out.code, 0);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim());
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const base = { PATH: Deno.env.get("PATH") ?? "", HOME: Deno.env.get("HOME") ?? "/tmp" };

Deno.test({
  name:
    "malloc setting: a script run without it runs itself again with it (same args), keeping other tunables",
  ignore: Deno.build.os !== "linux",
  async fn() {
    assertEquals(await run(base, ["a", "b"]), {
      active: true,
      env: INGEST_GLIBC_TUNABLES,
      args: ["a", "b"],
    });
    const other = "glibc.malloc.arena_max=2";
    assertEquals(await run({ ...base, GLIBC_TUNABLES: other }), {
      active: true,
      env: `${other}:${INGEST_GLIBC_TUNABLES}`,
      args: [],
    });
    // Already set: no second process; opted out: runs with the defaults.
    assertEquals(await run({ ...base, GLIBC_TUNABLES: INGEST_GLIBC_TUNABLES }), {
      active: true,
      env: INGEST_GLIBC_TUNABLES,
      args: [],
    });
    assertEquals(await run(base, ["--no-malloc-tunables"]), {
      active: false,
      env: null,
      args: ["--no-malloc-tunables"],
    });
  },
});
