/**
 * A small S3 client for the lake's immutable data files (put if absent, get, head, delete, list),
 * signed with SigV4 by `aws4fetch`. Tested against Ceph radosgw 16.2 (a real S3 implementation:
 * it answers 412 to a conflicting `If-None-Match: *` PUT, which fakes such as s3rver do not).
 *
 * Configuration (`s3ConfigFromEnv`): `WORKBENCH_S3_ENDPOINT` (e.g. `http://127.0.0.1:7480`;
 * default `https://s3.<region>.amazonaws.com`), `WORKBENCH_S3_REGION` [us-east-1],
 * `WORKBENCH_S3_PATH_STYLE` [true when an endpoint is set], `WORKBENCH_S3_ACCESS_KEY_ID`,
 * `WORKBENCH_S3_SECRET_ACCESS_KEY`. Both keys are held as {@link Secret}s: no error, log line or
 * manifest carries them (errors name the bucket, the key and the HTTP status only).
 */
import { AwsClient } from "aws4fetch";
import { ConfigError } from "../../core/errors.ts";
import { redact, Secret } from "../../core/secret.ts";

/** Connection settings of an S3-compatible store. */
export interface S3Config {
  /** Base URL of the service, without bucket (`http://127.0.0.1:7480`). */
  endpoint: string;
  region: string;
  /** Address buckets as `endpoint/bucket/key` (true) or `bucket.host/key` (false). */
  pathStyle: boolean;
  accessKeyId: Secret;
  secretAccessKey: Secret;
}

/** An S3 request that failed (status and key; never the credentials). */
export class S3Error extends Error {
  /** HTTP status, or 0 when the request did not reach the service. */
  readonly status: number;
  constructor(message: string, status: number, options: { cause?: unknown } = {}) {
    super(redact(message), options.cause !== undefined ? { cause: options.cause } : {});
    this.name = "S3Error";
    this.status = status;
  }
}

/**
 * S3 settings from the environment (`WORKBENCH_S3_*`, see the module doc). Throws a
 * {@link ConfigError} naming the variable when a key is missing or a value is bad.
 */
export function s3ConfigFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): S3Config {
  const region = env.WORKBENCH_S3_REGION || "us-east-1";
  const endpointRaw = env.WORKBENCH_S3_ENDPOINT || `https://s3.${region}.amazonaws.com`;
  let endpoint: URL;
  try {
    endpoint = new URL(endpointRaw);
  } catch {
    throw new ConfigError("WORKBENCH_S3_ENDPOINT", `"${redact(endpointRaw)}" is not a URL`);
  }
  if (endpoint.username || endpoint.password) {
    throw new ConfigError(
      "WORKBENCH_S3_ENDPOINT",
      "must not carry credentials (use WORKBENCH_S3_ACCESS_KEY_ID / WORKBENCH_S3_SECRET_ACCESS_KEY)",
    );
  }
  const ps = (env.WORKBENCH_S3_PATH_STYLE ?? "").toLowerCase();
  if (ps !== "" && !["true", "false", "1", "0"].includes(ps)) {
    throw new ConfigError("WORKBENCH_S3_PATH_STYLE", `"${ps}" is not true or false`);
  }
  const pathStyle = ps === "" ? Boolean(env.WORKBENCH_S3_ENDPOINT) : ps === "true" || ps === "1";
  const id = env.WORKBENCH_S3_ACCESS_KEY_ID;
  const secret = env.WORKBENCH_S3_SECRET_ACCESS_KEY;
  if (!id) throw new ConfigError("WORKBENCH_S3_ACCESS_KEY_ID", "is not set (needed for s3://)");
  if (!secret) {
    throw new ConfigError("WORKBENCH_S3_SECRET_ACCESS_KEY", "is not set (needed for s3://)");
  }
  return {
    endpoint: endpoint.origin + endpoint.pathname.replace(/\/+$/, ""),
    region,
    pathStyle,
    accessKeyId: new Secret(id),
    secretAccessKey: new Secret(secret),
  };
}

/** `s3://bucket/prefix` split into bucket and prefix (no leading or trailing slash). */
export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  if (!m) throw new TypeError(`Not an s3:// URI: "${redact(uri)}" (expected s3://bucket/prefix)`);
  const bucket = m[1]!;
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new TypeError(`Invalid S3 bucket name "${bucket}" in ${redact(uri)}`);
  }
  return { bucket, prefix: m[2]!.replace(/\/+$/, "") };
}

/**
 * Why a request never got an HTTP answer, with the endpoint it was sent to: "cannot reach the S3
 * endpoint http://127.0.0.1:7999 (connection refused; WORKBENCH_S3_ENDPOINT)". The endpoint is
 * scheme://host:port only (no path, query or user info); the cause is read from fetch's error and
 * its `cause` (Deno: "tcp connect error: Connection refused", "dns error: ..."; Node: ECONNREFUSED,
 * ENOTFOUND), any URL in it removed.
 */
export function unreachable(url: string, e: unknown): string {
  let endpoint = "";
  try {
    const u = new URL(url);
    const port = u.port || (u.protocol === "https:" ? "443" : u.protocol === "http:" ? "80" : "");
    endpoint = `${u.protocol}//${u.hostname}${port ? `:${port}` : ""}`;
  } catch { /* not a URL: named by the caller's key */ }
  const texts: string[] = [];
  for (let c: unknown = e, depth = 0; c && depth < 4; c = (c as { cause?: unknown }).cause) {
    const err = c as { message?: unknown; code?: unknown };
    if (typeof err.code === "string") texts.push(err.code);
    if (typeof err.message === "string") texts.push(err.message);
    depth++;
  }
  const all = texts.join(" | ");
  const known: [RegExp, string][] = [
    [/connection refused|ECONNREFUSED/i, "connection refused"],
    [
      /dns error|failed to lookup|ENOTFOUND|EAI_AGAIN|name or service not known|nodename nor servname|no address associated/i,
      "host not found",
    ],
    [/timed? ?out|ETIMEDOUT/i, "timed out"],
    [/connection reset|ECONNRESET|broken pipe|EPIPE/i, "connection reset"],
    [/network is unreachable|ENETUNREACH|no route to host|EHOSTUNREACH/i, "network unreachable"],
  ];
  const hit = known.find(([re]) => re.test(all));
  // Otherwise the innermost message, without the URL Deno puts in it (a query may name keys).
  const inner = (texts.length ? texts[texts.length - 1]! : String(e))
    .replace(/ for url \([^)]*\)/gi, "").replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, "<url>").trim();
  const cause = hit ? hit[1] : inner;
  return endpoint
    ? `cannot reach the S3 endpoint ${endpoint} (${cause}; WORKBENCH_S3_ENDPOINT)`
    : `cannot reach the S3 endpoint (${cause}; WORKBENCH_S3_ENDPOINT)`;
}

/** Encode an object key for a URL path: each segment percent-encoded, slashes kept. */
function encodeKey(key: string): string {
  return key.split("/").map((s) => encodeURIComponent(s)).join("/");
}

function xmlValues(xml: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "g");
  for (let m = re.exec(xml); m; m = re.exec(xml)) {
    out.push(
      m[1]!.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&quot;", '"')
        .replaceAll("&apos;", "'").replaceAll("&amp;", "&"),
    );
  }
  return out;
}

/** One bucket of an S3-compatible store. */
export class S3Bucket {
  readonly bucket: string;
  readonly #config: S3Config;
  readonly #client: AwsClient;

  constructor(bucket: string, config: S3Config) {
    this.bucket = bucket;
    this.#config = config;
    this.#client = new AwsClient({
      accessKeyId: config.accessKeyId.reveal(),
      secretAccessKey: config.secretAccessKey.reveal(),
      service: "s3",
      region: config.region,
      retries: 3,
    });
  }

  /** URL of a key (or of the bucket when `key` is ""). */
  url(key: string, query = ""): string {
    const base = this.#config.pathStyle
      ? `${this.#config.endpoint}/${this.bucket}`
      : this.#config.endpoint.replace("://", `://${this.bucket}.`);
    return `${base}/${encodeKey(key)}${query}`;
  }

  async #send(
    method: string,
    key: string,
    init: { query?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
  ): Promise<Response> {
    try {
      return await this.#client.fetch(this.url(key, init.query ?? ""), {
        method,
        ...(init.headers ? { headers: init.headers } : {}),
        ...(init.body ? { body: init.body as Uint8Array<ArrayBuffer> } : {}),
      });
    } catch (e) {
      throw new S3Error(
        `Cannot ${method} s3://${this.bucket}/${key}: ${unreachable(this.url(key), e)}`,
        0,
        { cause: e },
      );
    }
  }

  /**
   * Check that the store answers at all (a HEAD of the bucket; any HTTP status will do, so a
   * policy that refuses it is no error here). Throws the {@link S3Error} of an unreachable
   * endpoint (status 0, naming it and the cause), e.g. before a long parse whose rows go there.
   */
  async reachable(): Promise<void> {
    const res = await this.#send("HEAD", "");
    await res.body?.cancel();
  }

  async #fail(method: string, key: string, res: Response): Promise<never> {
    const body = await res.text().catch(() => "");
    const code = xmlValues(body, "Code")[0] ?? "";
    throw new S3Error(
      `Cannot ${method} s3://${this.bucket}/${key}: HTTP ${res.status}${code ? ` ${code}` : ""}`,
      res.status,
    );
  }

  /**
   * Store bytes under `key` only if no object has that name (`If-None-Match: *`). Returns
   * `created`, or `exists` when the store answered 412 (an object of that name is there; for a
   * content-addressed name, the same content). `metadata` becomes `x-amz-meta-*` headers.
   */
  async putIfAbsent(
    key: string,
    bytes: Uint8Array,
    metadata: Record<string, string> = {},
  ): Promise<"created" | "exists"> {
    const headers: Record<string, string> = { "if-none-match": "*" };
    for (const [k, v] of Object.entries(metadata)) headers[`x-amz-meta-${k}`] = v;
    const res = await this.#send("PUT", key, { headers, body: bytes });
    if (res.status === 412) {
      await res.body?.cancel();
      return "exists";
    }
    if (!res.ok) return this.#fail("PUT", key, res);
    await res.body?.cancel();
    return "created";
  }

  /** Store bytes under `key`, replacing any object there (tests and tooling only). */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const res = await this.#send("PUT", key, { body: bytes });
    if (!res.ok) return this.#fail("PUT", key, res);
    await res.body?.cancel();
  }

  /** The object's bytes, or null when there is none. */
  async get(key: string): Promise<Uint8Array | null> {
    const res = await this.#send("GET", key);
    if (res.status === 404) {
      await res.body?.cancel();
      return null;
    }
    if (!res.ok) return this.#fail("GET", key, res);
    return new Uint8Array(await res.arrayBuffer());
  }

  /** Size and user metadata of an object, or null when there is none. */
  async head(key: string): Promise<{ size: number; metadata: Record<string, string> } | null> {
    const res = await this.#send("HEAD", key);
    await res.body?.cancel();
    if (res.status === 404) return null;
    if (!res.ok) return this.#fail("HEAD", key, res);
    const metadata: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      if (k.startsWith("x-amz-meta-")) metadata[k.slice(11)] = v;
    });
    return { size: Number(res.headers.get("content-length") ?? "0"), metadata };
  }

  /** Delete an object (no error when it is already gone). */
  async delete(key: string): Promise<void> {
    const res = await this.#send("DELETE", key);
    if (!res.ok && res.status !== 404) return this.#fail("DELETE", key, res);
    await res.body?.cancel();
  }

  /** Every key under a prefix, with its size and last modification (ms epoch), in key order. */
  async list(prefix: string): Promise<{ key: string; size: number; modifiedMs: number }[]> {
    const out: { key: string; size: number; modifiedMs: number }[] = [];
    let token: string | null = null;
    do {
      const q = new URLSearchParams({ "list-type": "2", prefix });
      if (token) q.set("continuation-token", token);
      const res = await this.#send("GET", "", { query: `?${q}` });
      if (!res.ok) return this.#fail("LIST", prefix, res);
      const xml = await res.text();
      for (const c of xmlValues(xml, "Contents")) {
        out.push({
          key: xmlValues(c, "Key")[0]!,
          size: Number(xmlValues(c, "Size")[0] ?? "0"),
          modifiedMs: Date.parse(xmlValues(c, "LastModified")[0] ?? "") || 0,
        });
      }
      token = xmlValues(xml, "IsTruncated")[0] === "true"
        ? xmlValues(xml, "NextContinuationToken")[0] ?? null
        : null;
    } while (token);
    return out;
  }

  /** Create the bucket (no error when this account owns it already). */
  async create(): Promise<void> {
    const res = await this.#send("PUT", "");
    if (!res.ok && res.status !== 409) return this.#fail("CREATE BUCKET", "", res);
    await res.body?.cancel();
  }

  /** Delete every object and then the bucket (tests). */
  async destroy(): Promise<void> {
    for (const o of await this.list("")) await this.delete(o.key);
    const res = await this.#send("DELETE", "");
    if (!res.ok && res.status !== 404) return this.#fail("DELETE BUCKET", "", res);
    await res.body?.cancel();
  }
}
