/**
 * A tiny SMTP server for tests, on 127.0.0.1 and an ephemeral port. It speaks just enough of
 * RFC 5321 for a client that does not use TLS: 220 greeting, EHLO/HELO, AUTH PLAIN, MAIL FROM,
 * RCPT TO, DATA (dot-unstuffed until "."), RSET, NOOP, QUIT. Every received message is kept.
 */

/** One received message. */
export interface ReceivedMail {
  from: string;
  to: string[];
  /** The DATA section as received (headers and body, CRLF line ends, dots unstuffed). */
  data: string;
  /** Decoded AUTH PLAIN identity, if the client authenticated. */
  auth: { user: string; pass: string } | null;
}

/** A running test server. */
export interface TestSmtpServer {
  port: number;
  received: ReceivedMail[];
  close(): Promise<void>;
}

/** Start the server; `close()` stops listening and waits for open sessions to end. */
export function startTestSmtpServer(): TestSmtpServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: ReceivedMail[] = [];
  const sessions: Promise<void>[] = [];
  const conns = new Set<Deno.Conn>();
  const loop = (async () => {
    for await (const conn of listener) {
      conns.add(conn);
      sessions.push(session(conn, received).finally(() => conns.delete(conn)));
    }
  })().catch(() => {});
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    async close() {
      listener.close();
      await loop;
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed */ }
      }
      await Promise.allSettled(sessions);
    },
  };
}

async function session(conn: Deno.Conn, received: ReceivedMail[]): Promise<void> {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const say = (s: string) => conn.write(enc.encode(s + "\r\n"));
  let buf = "";
  let from = "";
  let to: string[] = [];
  let auth: ReceivedMail["auth"] = null;
  let inData = false;
  let data: string[] = [];
  await say("220 localhost test ESMTP");
  const chunk = new Uint8Array(65536);
  try {
    while (true) {
      const n = await conn.read(chunk);
      if (n === null) return;
      buf += dec.decode(chunk.subarray(0, n), { stream: true });
      let i: number;
      while ((i = buf.indexOf("\r\n")) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (inData) {
          if (line === ".") {
            inData = false;
            received.push({ from, to, data: data.join("\r\n") + "\r\n", auth });
            data = [];
            await say("250 2.0.0 queued");
          } else data.push(line.startsWith("..") ? line.slice(1) : line);
          continue;
        }
        const verb = line.slice(0, 4).toUpperCase();
        if (verb === "EHLO") await say("250-localhost\r\n250-AUTH PLAIN\r\n250 8BITMIME");
        else if (verb === "HELO") await say("250 localhost");
        else if (verb === "AUTH") {
          const b64 = line.split(" ")[2] ?? "";
          const [, user = "", pass = ""] = atob(b64).split("\0");
          auth = { user, pass };
          await say("235 2.7.0 accepted");
        } else if (verb === "MAIL") {
          from = /<([^>]*)>/.exec(line)?.[1] ?? "";
          to = [];
          await say("250 2.1.0 ok");
        } else if (verb === "RCPT") {
          to.push(/<([^>]*)>/.exec(line)?.[1] ?? "");
          await say("250 2.1.5 ok");
        } else if (verb === "DATA") {
          inData = true;
          await say("354 end with <CRLF>.<CRLF>");
        } else if (verb === "RSET" || verb === "NOOP") await say("250 ok");
        else if (verb === "QUIT") {
          await say("221 bye");
          conn.close();
          return;
        } else await say("502 command not implemented");
      }
    }
  } catch {
    // client went away
  } finally {
    try {
      conn.close();
    } catch { /* already closed */ }
  }
}
