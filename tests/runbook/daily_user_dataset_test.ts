/**
 * `deno task daily --config` with a field naming a user dataset (trial 10 finding 6): exit 2, the
 * unknown field named, and the message says the runbook is vendor / simulated market only and
 * how a user dataset is updated; a plain typo keeps the short did-you-mean message.
 */
import { join } from "node:path";
import { assert, assertEquals } from "../_assert.ts";

const REPO = new URL("../../", import.meta.url).pathname;

async function daily(config: unknown) {
  const dir = await Deno.makeTempDir({ prefix: "daily_cfg_" });
  try {
    const path = join(dir, "runbook.json");
    await Deno.writeTextFile(path, JSON.stringify(config));
    const o = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--frozen", join(REPO, "tasks/daily.ts"), "--date", "2024-05-02"]
        .concat(["--config", path, "--no-ingest", "--no-email"]),
      cwd: REPO,
      env: { NO_COLOR: "1", TZ: "UTC" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    return { code: o.code, stderr: new TextDecoder().decode(o.stderr) };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("daily --config: a user dataset field says the runbook is vendor/simulated only", async () => {
  const r = await daily({ dataset: "user/msft" });
  assertEquals(r.code, 2, r.stderr);
  assert(/dataset: unknown field/.test(r.stderr), r.stderr);
  assert(/vendor or simulated market/.test(r.stderr) && /ingest-file/.test(r.stderr), r.stderr);
  const typo = await daily({ modles: [] });
  assertEquals(typo.code, 2, typo.stderr);
  assert(/modles: unknown field \(did you mean "models"\?\)/.test(typo.stderr), typo.stderr);
  assert(!/vendor or simulated/.test(typo.stderr), typo.stderr);
});
