// Keeps credentials that ride in RPC URLs (user-info, API keys in the query) out of logs and error messages.

const MASK = "***";

/**
 * The URL with its user-info and every query-string value replaced by `***`:
 * `https://u:p@rpc.x/?apikey=abc` → `https://***@rpc.x/?apikey=***`.
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
  if (parsed.username !== "" || parsed.password !== "") {
    parsed.password = "";
    parsed.username = MASK;
  }
  if (parsed.search !== "") {
    const pairs = parsed.search.slice(1).split("&");
    parsed.search = pairs
      .map((pair) => {
        const eq = pair.indexOf("=");
        return eq === -1 ? (pair === "" ? "" : MASK) : `${pair.slice(0, eq)}=${MASK}`;
      })
      .join("&");
  }
  if (parsed.hash !== "") parsed.hash = MASK;
  return parsed.toString();
}

/** The secret parts of a URL (user name, password, query values, fragment), raw and percent-decoded. */
export function urlSecrets(url: string): string[] {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [url];
  }
  const raw = [parsed.username, parsed.password, parsed.hash.slice(1)];
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
