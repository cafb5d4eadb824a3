/**
 * The task layer shared by every `deno task` recipe: declared options, generated usage,
 * exit codes 0/1/2 and one-line errors (see task.ts).
 */
export * from "./task.ts";
export * from "./json.ts";
export * from "./spec_schema.ts";
