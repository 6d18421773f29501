// Keeps credentials that ride in RPC, webhook and data-lake URLs (user-info, API keys in the query or in the path,
// as QuickNode, Ankr, Discord and Slack put them) out of logs, error messages, tables and answers.

const MASK = "***";

/**
 * The URL with its user-info, every query-string value and every key-like path segment replaced by `***`:
 * `https://u:p@rpc.x/v1/k3yS3cr3tPathToken0123?apikey=abc` → `https://***@rpc.x/v1/***?apikey=***`.
 * A bare query token (`?abc123`) is masked whole, since it may itself be the key.
 * A string that does not parse as a URL is masked entirely: we cannot tell what in it is secret.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return MASK;
  }
  // An opaque URL (`apikey:SECRET@host`, `user:pass@host`, `host:8000`): with no `//`, what follows the
  // "scheme" is all path, where user-info and keys pass unnoticed. Keep the scheme only.
  if (parsed.host === "" && !parsed.pathname.startsWith("/")) return `${parsed.protocol}${MASK}`;
  if (parsed.username !== "" || parsed.password !== "") {
    parsed.password = "";
    parsed.username = MASK;
  }
  if (parsed.search !== "") parsed.search = maskQuery(parsed.search.slice(1));
  if (keysInPath(parsed)) {
    parsed.pathname = parsed.pathname
      .split("/")
      .map((segment) => (looksLikeKey(safeDecode(segment)) ? MASK : segment))
      .join("/");
  }
  if (parsed.hash !== "") parsed.hash = MASK;
  return parsed.toString();
}

/**
 * A string that was meant as a URL but does not parse, fit for an error message: the places where URLs carry
 * credentials are masked (anything before an `@`, query values, the fragment), the rest is kept so that the
 * reader can see what was wrong (`not a url`, `rpc.example.com/?apikey=***`). Non-printable characters become
 * `?`, and the result is bounded to 100 characters.
 */
export function redactUnparsedUrl(text: string): string {
  let out = text.trim();
  const hash = out.indexOf("#");
  if (hash !== -1) out = `${out.slice(0, hash)}#${MASK}`;
  const q = out.indexOf("?");
  if (q !== -1) {
    const [query, fragment] = splitOnce(out.slice(q + 1), "#");
    out = `${out.slice(0, q)}?${maskQuery(query)}${fragment === undefined ? "" : `#${fragment}`}`;
  }
  const at = out.lastIndexOf("@", q === -1 ? undefined : q);
  if (at !== -1) {
    // Only a real `scheme://` is kept: in `user:password@host` the "scheme" is the user name.
    const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(out)?.[0] ?? "";
    out = `${scheme}${MASK}${out.slice(at)}`;
  }
  out = out.replace(/[^/?#&=@:\s]+/g, (part) => (looksLikeKey(part) ? MASK : part));
  out = out.replace(/[^\x20-\x7e]/g, "?");
  return out.length > 100 ? `${out.slice(0, 97)}...` : out;
}

/** Every value of a query string masked; a bare token (`?abc123`) masked whole, since it may be the key. */
function maskQuery(query: string): string {
  return query
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      return eq === -1 ? (pair === "" ? "" : MASK) : `${pair.slice(0, eq)}=${MASK}`;
    })
    .join("&");
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i === -1 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}

/**
 * Whether a path segment looks like an API key rather than a route word: 16 or more characters of the kinds
 * keys are written in (letters, digits, `-_.~+=`), with a digit or with both cases. `v1`, `soroban`, `mainnet`
 * and `soroban-rpc-testnet` stay readable; `k3yS3cr3tPathToken0123`, a UUID and a 64-digit hex key are masked.
 * A false positive hides a harmless word; a false negative would print a key, so the rule leans to masking.
 */
export function looksLikeKey(segment: string): boolean {
  if (segment.length < MIN_KEY_LENGTH || !/^[A-Za-z0-9\-_.~+=]+$/.test(segment)) return false;
  return /\d/.test(segment) || (/[a-z]/.test(segment) && /[A-Z]/.test(segment));
}

const MIN_KEY_LENGTH = 16;

/**
 * HTTP endpoints (RPC providers, webhooks, data lakes) put keys in the path; a PostgreSQL URL's path is the
 * database's name, which is no secret and which an error about it must show.
 */
function keysInPath(url: URL): boolean {
  return url.protocol === "http:" || url.protocol === "https:";
}

/** The secret parts of a URL (user name, password, query values, fragment, key-like path segments), raw and percent-decoded. */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const raw = [parsed.username, parsed.password, parsed.hash.slice(1)];
  // An opaque URL's path is where its user-info went (see redactUrl).
  if (parsed.host === "" && !parsed.pathname.startsWith("/")) raw.push(parsed.pathname);
  if (keysInPath(parsed)) for (const segment of parsed.pathname.split("/")) if (looksLikeKey(safeDecode(segment))) raw.push(segment);
  for (const pair of parsed.search.slice(1).split("&")) {
    const eq = pair.indexOf("=");
    raw.push(eq === -1 ? pair : pair.slice(eq + 1));
  }
  const secrets = new Set<string>();
  for (const s of raw) {
    if (s === "") continue;
    secrets.add(s);
    secrets.add(safeDecode(s));
  }
  return [...secrets];
}

// Masking every "y" of a `?x=y` would wreck messages while protecting nothing a real credential needs.
const MIN_SECRET_LENGTH = 4;

/**
 * `text` with every occurrence of each secret (and its percent-encoded form) replaced by `***`.
 * Secrets shorter than 4 characters are left alone.
 */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  const needles = new Set<string>();
  for (const s of secrets) {
    if (s.length < MIN_SECRET_LENGTH) continue;
    needles.add(s);
    needles.add(encodeURIComponent(s));
  }
  // Longest first, so a secret that contains another is masked whole rather than partly.
  let out = text;
  for (const needle of [...needles].sort((a, b) => b.length - a.length)) {
    out = out.split(needle).join(MASK);
  }
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, " "));
  } catch {
    return s;
  }
}
