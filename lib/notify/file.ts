/**
 * File notifier: writes a message as `<dir>/<id>.eml` (RFC 5322, openable by any mail client)
 * and `<dir>/<id>.json` (subject, body, recipients, payload). Files are written to a temporary
 * name then renamed, so a reader never sees half a file, and rewriting the same message gives
 * the same bytes.
 */
import { join } from "node:path";
import { writeAtomic } from "../core/fs.ts";
import { type NotificationMessage, renderEml } from "./message.ts";

/** Where a file notification went. */
export interface FileNotificationResult {
  eml: string;
  json: string;
  /** False when both files already held exactly these bytes. */
  changed: boolean;
}

function sameBytes(path: string, bytes: Uint8Array): boolean {
  try {
    const old = Deno.readFileSync(path);
    return old.length === bytes.length && old.every((b, i) => b === bytes[i]);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return false;
    throw e;
  }
}

/**
 * Write the message's `.eml` and `.json` into `dir` (created if needed).
 *
 * @example
 * ```ts ignore
 * await writeNotificationFile(msg, "data/lake/_ops/notifications");
 * ```
 */
export async function writeNotificationFile(
  msg: NotificationMessage,
  dir: string,
): Promise<FileNotificationResult> {
  const eml = await renderEml(msg);
  const json = new TextEncoder().encode(
    JSON.stringify(
      {
        id: msg.id,
        date: msg.date.toISOString(),
        from: msg.from ?? "workbench@localhost",
        to: msg.to ?? [],
        subject: msg.subject,
        text: msg.text,
        data: msg.data ?? null,
      },
      null,
      2,
    ) + "\n",
  );
  Deno.mkdirSync(dir, { recursive: true });
  const emlPath = join(dir, `${msg.id}.eml`);
  const jsonPath = join(dir, `${msg.id}.json`);
  let changed = false;
  for (const [p, b] of [[emlPath, eml], [jsonPath, json]] as const) {
    if (!sameBytes(p, b)) {
      await writeAtomic(p, b);
      changed = true;
    }
  }
  return { eml: emlPath, json: jsonPath, changed };
}
