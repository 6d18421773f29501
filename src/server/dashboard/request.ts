// What a dashboard request may carry: a token address from the path, a form post's origin, the page to return to
// after logging in. Each refuses what would act on another site's behalf or leave this one.
import type { Context } from "hono";
import { validateAddress } from "../../internal/addresses.ts";

export function tokenAddress(raw: string): string | Error {
  try {
    return validateAddress(raw, "token address", ["contract"]);
  } catch (error) {
    return error as Error;
  }
}

/**
 * Whether a form post came from a page of this origin: the browser's Sec-Fetch-Site when it sends one (it holds
 * behind a TLS-terminating proxy too), else the Origin header. A client that sends neither is no browser, and the
 * CSRF token still applies to it.
 */
export function fromThisOrigin(c: Context): boolean {
  const site = c.req.header("Sec-Fetch-Site");
  if (site !== undefined) return site === "same-origin" || site === "none";
  const origin = c.req.header("Origin");
  return origin === undefined || origin === new URL(c.req.url).origin;
}

/**
 * A path of this site to go back to after logging in; anything else becomes "/". Browsers drop tabs and newlines
 * from a Location and read "\\" as "/", so "/\t/evil.example" would leave the site: controls, backslashes and
 * their percent-encodings are refused outright, and what is left must resolve to this origin and stay a path.
 */
export function localPath(raw: unknown): string {
  if (typeof raw !== "string" || raw.length > 2000 || !raw.startsWith("/")) return "/";
  const unsafe = /[\u0000-\u001f\u007f-\u009f\\]|%(?:[01][0-9a-f]|7f|5c|c2%[89][0-9a-f])/i;
  if (unsafe.test(raw)) return "/";
  const origin = "http://dashboard.invalid";
  let url: URL;
  try {
    url = new URL(raw, origin);
  } catch {
    return "/";
  }
  const path = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === origin && path.startsWith("/") && !path.startsWith("//") ? path : "/";
}
