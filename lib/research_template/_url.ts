/** File URL <-> path for local absolute paths (node:url's, re-exported under clear names). */
import { fileURLToPath, pathToFileURL } from "node:url";

/** `/a/b c` -> `file:///a/b%20c`. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/** `file:///a/b%20c` -> `/a/b c`. */
export function fromFileUrl(url: URL | string): string {
  return fileURLToPath(url);
}
