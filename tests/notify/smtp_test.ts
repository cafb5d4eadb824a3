import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { Secret } from "../../lib/core/mod.ts";
import { type NotificationMessage, sendSmtp, type SmtpSettings } from "../../lib/notify/mod.ts";
import { startTestSmtpServer } from "./_smtp_server.ts";

const MSG: NotificationMessage = {
  id: "daily-2025-03-14",
  subject: "[workbench] 2025-03-14: champion ridge_mom, 2 tripwires fired",
  text: "Run date: 2025-03-14\nTop long: AAA 0.0123\n.leading dot line\n",
  date: new Date("2025-03-14T21:00:00Z"),
};

function settings(port: number, extra: Partial<SmtpSettings> = {}): SmtpSettings {
  return {
    host: "127.0.0.1",
    port,
    tls: false,
    user: undefined,
    password: undefined,
    from: "workbench@localhost",
    to: "desk@example.test, risk@example.test",
    ...extra,
  };
}

/** Unfold RFC 5322 header continuation lines. */
function header(data: string, name: string): string | undefined {
  const head = data.split("\r\n\r\n")[0]!.replace(/\r\n[ \t]+/g, " ");
  const line = head.split("\r\n").find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ":"));
  return line?.slice(name.length + 1).trim();
}

Deno.test("sendSmtp: the loopback server receives the subject, body and recipients", async () => {
  const server = startTestSmtpServer();
  try {
    const r = await sendSmtp(MSG, settings(server.port));
    assertEquals(server.received.length, 1);
    const got = server.received[0]!;
    assertEquals(got.from, "workbench@localhost");
    assertEquals(got.to, ["desk@example.test", "risk@example.test"]);
    assertEquals(header(got.data, "Subject"), MSG.subject);
    assertEquals(header(got.data, "Message-ID"), "<daily-2025-03-14@workbench.local>");
    const body = got.data.split("\r\n\r\n").slice(1).join("\r\n\r\n");
    assertEquals(body.replace(/\r\n/g, "\n"), MSG.text);
    assertEquals(got.auth, null);
    assertEquals(r.accepted, ["desk@example.test", "risk@example.test"]);
    assertEquals(r.messageId, "<daily-2025-03-14@workbench.local>");
  } finally {
    await server.close();
  }
});

Deno.test("sendSmtp: credentials go through AUTH PLAIN; message recipients override SMTP_TO", async () => {
  const server = startTestSmtpServer();
  try {
    await sendSmtp(
      { ...MSG, to: ["pm@example.test"] },
      settings(server.port, { user: "bot", password: new Secret("s3cret-pass-9876") }),
    );
    const got = server.received[0]!;
    assertEquals(got.auth, { user: "bot", pass: "s3cret-pass-9876" });
    assertEquals(got.to, ["pm@example.test"]);
  } finally {
    await server.close();
  }
});

Deno.test("sendSmtp: no host or no recipient is a TypeError; a dead port rejects without the password", async () => {
  await assertRejects(
    () => sendSmtp(MSG, settings(25, { host: undefined })),
    TypeError,
    "SMTP_HOST",
  );
  await assertRejects(() => sendSmtp(MSG, settings(25, { to: undefined })), TypeError, "recipient");
  // a port nobody listens on: bind then close to get one
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const err = await assertRejects(
    () =>
      sendSmtp(
        MSG,
        settings(port, { user: "bot", password: new Secret("hunter2-password-5555") }),
        {
          timeoutMs: 2000,
        },
      ),
    Error,
  );
  assert(!String(err).includes("hunter2-password-5555"));
});

Deno.test("sendSmtp: a bad message id is rejected before connecting", async () => {
  await assertRejects(() => sendSmtp({ ...MSG, id: "../x" }, settings(25)), TypeError, "id");
  await assertRejects(() => sendSmtp({ ...MSG, subject: " " }, settings(25)), TypeError, "subject");
});
