/**
 * The leak check of issue 18: any run of 8+ characters of a secret, in any ASCII case, found in a
 * text or in the bytes of a file. Independent of lib/core/secret.ts (a plain window search).
 */

/** The 8-character pieces of `secret` (lower-cased) found in `text` (lower-cased). */
export function leakedPieces(text: string, secret: string, width = 8): string[] {
  const low = text.toLowerCase();
  const s = secret.toLowerCase();
  const out: string[] = [];
  for (let i = 0; i + width <= s.length; i++) {
    const piece = s.slice(i, i + width);
    if (low.includes(piece)) out.push(piece);
  }
  return out;
}

/** Every file under `dir` (recursively) whose bytes, read as Latin-1, hold a piece of `secret`. */
export function leakingFiles(dir: string, secret: string): { file: string; pieces: string[] }[] {
  const out: { file: string; pieces: string[] }[] = [];
  const walk = (d: string) => {
    for (const e of Deno.readDirSync(d)) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory) walk(p);
      else if (e.isFile) {
        const text = new TextDecoder("latin1").decode(Deno.readFileSync(p));
        const pieces = leakedPieces(text, secret);
        if (pieces.length) out.push({ file: p, pieces });
      }
    }
  };
  walk(dir);
  return out;
}
