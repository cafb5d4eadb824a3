import { assert, assertEquals } from "../_assert.ts";
import {
  containsSecret,
  redact,
  registerSecret,
  registerSecretsFromEnv,
  Secret,
} from "../../lib/core/secret.ts";
import { DataError } from "../../lib/core/errors.ts";
import { leakedPieces } from "./_secret_scan.ts";

// 32 characters, mixed case, so case variants differ from the key.
const KEY = "Pk7vQ2xLm9RtW4yZb1NcD8fGh3JsK6aE";

Deno.test("redact: 8+ character pieces of a secret in any case, hand-worked", () => {
  new Secret(KEY);
  const cases: [string, string][] = [
    [`key ${KEY} end`, "key *** end"],
    // 12- and 14-character prefixes (the echoes issue 18 found), lower- and upper-cased key.
    [`bad key ${KEY.slice(0, 12)}...`, "bad key ***..."],
    [`bad key ${KEY.slice(0, 14)}`, "bad key ***"],
    [`echo ${KEY.toLowerCase()}!`, "echo ***!"],
    [`ECHO ${KEY.toUpperCase()}`, "ECHO ***"],
    // A piece from the middle, and the key split across a message in two halves.
    [`mid=${KEY.slice(10, 19)};`, "mid=***;"],
    [`first ${KEY.slice(0, 16)} then ${KEY.slice(16)}`, "first *** then ***"],
    // Exactly 8 characters is removed; 7 is not (the rule's boundary).
    [`x${KEY.slice(3, 11)}x`, "x***x"],
    [`x${KEY.slice(3, 10)}x`, `x${KEY.slice(3, 10)}x`],
    // URL userinfo and key-like parameters, whatever the value.
    [
      "GET https://bob:hunter2@api.example.com/v1?x=1",
      "GET https://bob:***@api.example.com/v1?x=1",
    ],
    [
      "https://h/x?token=abc&apiKey=def&API_KEY=ghi&b=2",
      "https://h/x?token=***&apiKey=***&API_KEY=***&b=2",
    ],
    ["Authorization: Basic Ym9iOmh1bnRlcjI=", "Authorization: Basic ***"],
    ["nothing secret here at all", "nothing secret here at all"],
  ];
  for (const [input, want] of cases) assertEquals(redact(input), want, input);
});

Deno.test("redact: encoded forms and the secret inside longer tokens", () => {
  const k = "sk+live/Ab12Cd34=Ef56";
  registerSecret(k);
  assertEquals(redact(`q=${encodeURIComponent(k)}`), "q=***");
  assertEquals(redact(JSON.stringify({ message: `k ${k}` })), '{"message":"k ***"}');
  // Glued to other characters on both sides: only the secret's run goes.
  assertEquals(redact(`AAAA${KEY.slice(5, 20)}BBBB`), "AAAA***BBBB");
});

Deno.test("containsSecret and registerSecretsFromEnv (8+ character values of key-like names, URL userinfo)", () => {
  const envKey = "envOnlyKey_93hf82hd7sg";
  const pw = "uRlPassw0rd_x71";
  const n = registerSecretsFromEnv({
    SOME_VENDOR_API_KEY: envKey,
    SHORT_TOKEN: "true", // too short to be a key: not registered
    DB_URL: `postgres://app:${pw}@db:5432/x`,
    PATH: "/usr/bin",
  });
  assertEquals(n, 2);
  assert(containsSecret(`x ${envKey.toUpperCase().slice(2, 12)} y`));
  assertEquals(redact(`pw ${pw}`), "pw ***");
  assertEquals(redact("it is true"), "it is true");
  assert(!containsSecret("an ordinary sentence with no key"));
});

Deno.test("errors redact their message and a string cause (vendor body echoes)", () => {
  new Secret(KEY);
  const body = `{"status":"ERROR","error":"Unknown API Key '${KEY.toLowerCase().slice(0, 13)}'"}`;
  const e = new DataError(`request for ${KEY.toUpperCase()} failed`, { cause: body });
  assertEquals(leakedPieces(e.message, KEY), []);
  assertEquals(leakedPieces(String(e.cause), KEY), []);
  assertEquals(e.message, "request for *** failed");
});

Deno.test("redact costs one pass: 4 MB of text in well under a second", () => {
  new Secret(KEY);
  for (let i = 0; i < 50; i++) registerSecret(`other-secret-${i}-${"x".repeat(i)}-q8Zr`);
  const line = "2024-03-08T14:30:00Z,SPY,512.25,512.50,512.10,512.40,12345,polygon://v2/aggs\n";
  const text = line.repeat(Math.ceil(4_000_000 / line.length)) + KEY;
  const t0 = performance.now();
  const out = redact(text);
  const ms = performance.now() - t0;
  assert(out.endsWith("***") && out.length === text.length - KEY.length + 3);
  console.log(`redact: ${(text.length / 1e6).toFixed(1)} MB in ${ms.toFixed(0)} ms`);
  assert(ms < 2000, `${ms} ms`);
});

Deno.test("a task's prints, logs and last error line carry no piece of a key it never wrapped", async () => {
  const script = new URL("./_leaky_task.ts", import.meta.url).pathname;
  const o = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    env: { LEAKY_VENDOR_API_KEY: KEY },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(o.stdout);
  const err = new TextDecoder().decode(o.stderr);
  assertEquals(o.code, 1, err);
  assert(out.includes("printed:") && err.includes("leaky: failed:"), out + err);
  assertEquals(leakedPieces(out, KEY), [], out);
  assertEquals(leakedPieces(err, KEY), [], err);
});

Deno.test("redact: URL userinfo keeps the user name, masks only the password (issue: --help examples broke)", () => {
  const cases: [string, string][] = [
    ["GET https://bob:hunter2@api.example.com/v1", "GET https://bob:***@api.example.com/v1"],
    // User only: nothing secret, kept (a copied `--help` example must still work).
    [
      "WORKBENCH_PG=postgres://workbench@127.0.0.1:5432/wb",
      "WORKBENCH_PG=postgres://workbench@127.0.0.1:5432/wb",
    ],
    // Empty password, and an empty user with a password.
    ["postgres://app:@h/db", "postgres://app:***@h/db"],
    ["redis://:s3cr3t@h:6379", "redis://:***@h:6379"],
    // Two URLs on one line.
    [
      "a=postgres://u1:p1@h1/x b=postgres://u2@h2/y",
      "a=postgres://u1:***@h1/x b=postgres://u2@h2/y",
    ],
  ];
  for (const [input, want] of cases) assertEquals(redact(input), want, input);
  // A vendor token passed as the user name is masked when it is a registered secret.
  const tok = "vendorTokenAsUser_7Hq2Lx9";
  registerSecret(tok);
  assertEquals(redact(`https://${tok}@api.vendor.test/v1`), "https://***@api.vendor.test/v1");
  assertEquals(
    redact(`https://${tok}:x-oauth@api.vendor.test/v1`),
    "https://***:***@api.vendor.test/v1",
  );
});
