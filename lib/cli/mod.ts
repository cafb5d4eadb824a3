/**
 * The task layer shared by every `deno task` recipe: declared options, generated usage,
 * exit codes 0/1/2 and one-line errors (see task.ts). Strict spec objects (zod) are in
 * spec_schema.ts, imported by path so that this module needs no zod.
 */
export * from "./task.ts";
export * from "./json.ts";
