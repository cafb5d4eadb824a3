/** Research folders outside the repository that import the workbench (`deno task init-research`). */
export * from "./init_research.ts";
