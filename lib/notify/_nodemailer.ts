/**
 * nodemailer with the few types this area uses. `@types/nodemailer` is deliberately not imported:
 * it pulls a second `@types/node` into the type graph, which breaks Deno's own `node:assert`
 * typings in the test suite.
 */
// @ts-types="./_nodemailer.d.ts"
import nodemailer from "nodemailer";

/** What `sendMail` resolves to (the fields used here). */
export interface SentInfo {
  messageId: string;
  accepted: (string | { address: string })[];
  rejected: (string | { address: string })[];
  response: string;
  /** Stream transport with `buffer: true`: the rendered message. */
  message: Uint8Array;
}

/** A nodemailer transport (the methods used here). */
export interface Transport {
  sendMail(mail: Record<string, unknown>): Promise<SentInfo>;
  close(): void;
}

/** `nodemailer.createTransport`, typed. */
export function createTransport(options: Record<string, unknown>): Transport {
  return (nodemailer as { createTransport(o: Record<string, unknown>): Transport })
    .createTransport(options);
}
