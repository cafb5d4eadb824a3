/**
 * SMTP notifier over nodemailer. Settings come from `loadConfig().smtp` (SMTP_HOST, SMTP_PORT,
 * SMTP_TLS, SMTP_USER, SMTP_PASSWORD, SMTP_FROM, SMTP_TO).
 *
 * TLS: `tls: true` on port 465 is implicit TLS; on any other port the connection must upgrade
 * with STARTTLS (`requireTLS`), so credentials never cross in clear. `tls: false` sends in clear
 * and never attempts STARTTLS (loopback test servers, local relays). The password is a `Secret`
 * and is revealed only to nodemailer's auth step; errors are redacted.
 */
import { createTransport } from "./_nodemailer.ts";
import { redact, type Secret } from "../core/mod.ts";
import { mailOptions, type NotificationMessage } from "./message.ts";

/** SMTP settings (the shape of `WorkbenchConfig["smtp"]`). */
export interface SmtpSettings {
  host: string | undefined;
  port: number;
  tls: boolean;
  user: string | undefined;
  password: Secret | undefined;
  from: string;
  to: string | undefined;
}

/** Options for {@linkcode sendSmtp}. */
export interface SendSmtpOptions {
  /** Connection, greeting and socket timeouts in ms. @default 10000 */
  timeoutMs?: number;
}

/** What the server accepted. */
export interface SmtpResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
  response: string;
}

/** Recipients of a message: its own `to`, else the comma-separated SMTP_TO setting. */
export function recipientsOf(msg: NotificationMessage, smtp: SmtpSettings): string[] {
  if (msg.to?.length) return msg.to;
  return (smtp.to ?? "").split(",").map((s) => s.trim()).filter(Boolean);
}

/**
 * Send a message over SMTP. Throws when SMTP is not configured (no host or no recipient) or the
 * server refuses the message (error text redacted).
 *
 * @example
 * ```ts ignore
 * await sendSmtp(msg, loadConfig().smtp);
 * ```
 */
export async function sendSmtp(
  msg: NotificationMessage,
  smtp: SmtpSettings,
  options: SendSmtpOptions = {},
): Promise<SmtpResult> {
  if (!smtp.host) throw new TypeError(`Cannot email ${msg.id}: SMTP_HOST is not set`);
  const to = recipientsOf(msg, smtp);
  if (to.length === 0) throw new TypeError(`Cannot email ${msg.id}: no recipient (set SMTP_TO)`);
  const mail = { ...mailOptions({ ...msg, to }), from: msg.from ?? smtp.from };
  const timeout = options.timeoutMs ?? 10_000;
  const transport = createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.tls && smtp.port === 465,
    requireTLS: smtp.tls && smtp.port !== 465,
    ignoreTLS: !smtp.tls,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    socketTimeout: timeout,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password?.reveal() ?? "" } } : {}),
  });
  try {
    const info = await transport.sendMail(mail);
    return {
      messageId: info.messageId,
      accepted: info.accepted.map((a) => typeof a === "string" ? a : a.address),
      rejected: info.rejected.map((a) => typeof a === "string" ? a : a.address),
      response: info.response,
    };
  } catch (e) {
    throw new Error(
      `Cannot email ${msg.id} via ${smtp.host}:${smtp.port}: ${
        redact(String((e as Error).message))
      }`,
    );
  } finally {
    transport.close();
  }
}
