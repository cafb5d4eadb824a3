/**
 * A notification message and its RFC 5322 rendering. The rendering is deterministic: the date and
 * Message-ID come from the message (not the clock or a random source), and the body is a single
 * text/plain part, so the same message always renders to the same bytes (a rerun of a runbook
 * day rewrites an identical `.eml`).
 */
import { createTransport } from "./_nodemailer.ts";

/** One notification: what the runbook says about a day. */
export interface NotificationMessage {
  /** Stable identifier, also the file stem (e.g. `daily-2025-03-14`). */
  id: string;
  subject: string;
  /** Plain-text body. */
  text: string;
  /** Header date (use the run's as-of instant, not the clock, for reproducible files). */
  date: Date;
  /** Sender address. @default "workbench@localhost" */
  from?: string;
  /** Recipients. @default [] (file-only notification) */
  to?: string[];
  /** Machine-readable payload stored beside the message in the `.json` file. */
  data?: unknown;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Throw a TypeError when a message cannot be rendered or stored safely. */
export function checkMessage(msg: NotificationMessage): void {
  if (!ID.test(msg.id)) {
    throw new TypeError(
      `Cannot send notification: id ${JSON.stringify(msg.id)} must match ${ID} (it names files)`,
    );
  }
  if (msg.subject.trim() === "") {
    throw new TypeError(`Cannot send notification ${msg.id}: empty subject`);
  }
  if (Number.isNaN(msg.date.getTime())) {
    throw new TypeError(`Cannot send notification ${msg.id}: invalid date`);
  }
}

/** The Message-ID of a message: `<id@workbench.local>`. */
export function messageIdOf(msg: NotificationMessage): string {
  return `<${msg.id}@workbench.local>`;
}

/** nodemailer mail options for a message (shared by the SMTP and file notifiers). */
export function mailOptions(msg: NotificationMessage): Record<string, unknown> {
  checkMessage(msg);
  return {
    from: msg.from ?? "workbench@localhost",
    to: (msg.to ?? []).join(", ") || undefined,
    subject: msg.subject,
    text: msg.text.replace(/\r?\n/g, "\r\n"),
    date: msg.date,
    messageId: messageIdOf(msg),
    // text-only: no multipart boundary, so the rendering is byte-stable
  };
}

/**
 * Render a message as RFC 5322 bytes (what an SMTP server receives after DATA), through
 * nodemailer's stream transport.
 *
 * @example
 * ```ts
 * import { renderEml } from "./message.ts";
 * const eml = await renderEml({ id: "t", subject: "Hi", text: "Body", date: new Date(0) });
 * new TextDecoder().decode(eml).includes("Subject: Hi"); // true
 * ```
 */
export async function renderEml(msg: NotificationMessage): Promise<Uint8Array> {
  const transport = createTransport({
    streamTransport: true,
    buffer: true,
    newline: "\r\n",
  });
  const info = await transport.sendMail({
    ...mailOptions(msg),
    // stream transport needs an envelope recipient even for a file-only message
    envelope: {
      from: msg.from ?? "workbench@localhost",
      to: msg.to?.length ? msg.to : ["nobody@localhost"],
    },
  });
  return new Uint8Array(info.message);
}
