import { assert, assertEquals } from "../_assert.ts";
import { renderEml, writeNotificationFile } from "../../lib/notify/mod.ts";

const MSG = {
  id: "daily-2025-03-14",
  subject: "Daily 2025-03-14",
  text: "line one\nline two\n",
  date: new Date("2025-03-14T21:00:00Z"),
  to: ["desk@example.test"],
  data: { date: "2025-03-14", fired: ["drift"] },
};

Deno.test("renderEml: deterministic bytes with the subject, date, id and body", async () => {
  const a = new TextDecoder().decode(await renderEml(MSG));
  const b = new TextDecoder().decode(await renderEml(MSG));
  assertEquals(a, b);
  assert(a.includes("Subject: Daily 2025-03-14\r\n"));
  assert(a.includes("Message-ID: <daily-2025-03-14@workbench.local>\r\n"));
  assert(a.includes("Date: Fri, 14 Mar 2025 21:00:00 +0000\r\n"));
  assert(a.endsWith("\r\n\r\nline one\r\nline two\r\n"));
});

Deno.test("writeNotificationFile: .eml and .json, rewriting the same message changes nothing", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r1 = await writeNotificationFile(MSG, dir);
    assert(r1.changed);
    const json = JSON.parse(Deno.readTextFileSync(r1.json));
    assertEquals(json.subject, MSG.subject);
    assertEquals(json.text, MSG.text);
    assertEquals(json.data, MSG.data);
    assertEquals(json.to, ["desk@example.test"]);
    const before = Deno.statSync(r1.eml).mtime?.getTime();
    const r2 = await writeNotificationFile(MSG, dir);
    assertEquals(r2.changed, false);
    assertEquals(Deno.statSync(r1.eml).mtime?.getTime(), before);
    const r3 = await writeNotificationFile({ ...MSG, text: "changed\n" }, dir);
    assert(r3.changed);
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "daily-2025-03-14.eml",
      "daily-2025-03-14.json",
    ]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
