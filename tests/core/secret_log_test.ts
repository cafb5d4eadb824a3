import { assert, assertEquals } from "../_assert.ts";
import { log, redact, Secret, setLogSink } from "../../lib/core/mod.ts";

const FAKE = "sk_live_SUPERSECRET_987654321";

Deno.test("redact removes known secrets and key-like query parameters", () => {
  new Secret(FAKE);
  assertEquals(
    redact(`https://x/v2/aggs?apiKey=${FAKE}&limit=5`),
    "https://x/v2/aggs?apiKey=***&limit=5",
  );
  assertEquals(redact(`body ${FAKE} end`), "body *** end");
  assertEquals(
    redact("https://x/?api_key=abc123&file_type=json"),
    "https://x/?api_key=***&file_type=json",
  );
  assertEquals(redact("Authorization: Bearer abc.def-123"), "Authorization: Bearer ***");
  assertEquals(redact("nothing secret here"), "nothing secret here");
});

Deno.test("log lines are JSON and never carry a secret, even inside errors", () => {
  const s = new Secret(FAKE);
  const lines: string[] = [];
  const prev = setLogSink((l) => lines.push(l));
  try {
    log.info("request", { url: `https://api/x?apiKey=${s.reveal()}`, key: s });
    log.error("failed", { error: new Error(`401 for key ${s.reveal()}`, { cause: s.reveal() }) });
  } finally {
    setLogSink(prev);
  }
  assertEquals(lines.length, 2);
  for (const l of lines) {
    assert(!l.includes(FAKE), l);
    const obj = JSON.parse(l);
    assert(typeof obj.ts === "string" && typeof obj.event === "string");
  }
});
