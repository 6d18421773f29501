/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The page frame and the small pieces every page uses. hono/jsx escapes every string it renders; creator-supplied
// text additionally goes through <Text>, which isolates its direction and shows control characters as symbols.
import type { Child, FC, PropsWithChildren } from "hono/jsx";
import { visibleText } from "../../../internal/text/visible.ts";
import { CSRF_FIELD } from "../auth.ts";
import { shortAddress, truncate } from "../format.ts";
import { ASSET_PATHS } from "../assets.ts";

export type Section = "overview" | "tokens" | "actions" | "login" | "off";

export interface PageProps {
  title: string;
  section: Section;
  /** Present once logged in: the logout form needs it. */
  csrfToken?: string;
}

const NAV: { section: Section; href: string; label: string }[] = [
  { section: "overview", href: "/", label: "Overview" },
  { section: "tokens", href: "/tokens", label: "Tokens" },
  { section: "actions", href: "/actions", label: "Actions" },
];

export const Page: FC<PropsWithChildren<PageProps>> = ({ title, section, csrfToken, children }) => (
  <html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="referrer" content="no-referrer" />
      <title>{`${visibleText(title)} · sync-tokens`}</title>
      <link rel="stylesheet" href={ASSET_PATHS.css} />
      <script src={ASSET_PATHS.js} defer></script>
    </head>
    <body>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">sync-tokens</span>
        {csrfToken !== undefined && (
          <nav aria-label="Dashboard">
            <ul>
              {NAV.map((n) => (
                <li>
                  <a href={n.href} aria-current={n.section === section ? "page" : undefined}>
                    {n.label}
                  </a>
                </li>
              ))}
            </ul>
            <form method="post" action="/logout" class="logout">
              <CsrfField token={csrfToken} />
              <button type="submit">Log out</button>
            </form>
          </nav>
        )}
      </header>
      <main id="main" tabindex={-1}>
        <h1>{visibleText(title)}</h1>
        {children}
      </main>
    </body>
  </html>
);

export const CsrfField: FC<{ token: string }> = ({ token }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

/**
 * Creator-supplied text (name, symbol, description, image URL, and messages that may quote them): escaped by JSX,
 * every control, bidi control and invisible format character shown as a visible symbol (src/text/visible.ts), so
 * none is applied; direction isolated by <bdi>, so right-to-left scripts read right to left inside it without
 * reordering the page around it; wrapped anywhere, and cut at `max` characters with a visible mark. Tabs and line
 * feeds are kept only with `lineBreaks` (descriptions).
 */
export const Text: FC<{ value: string; max?: number; class?: string; lineBreaks?: boolean }> = ({ value, max, class: cls, lineBreaks }) => {
  const t = max === undefined ? { text: value, cut: false } : truncate(value, max);
  return (
    <>
      <bdi class={cls === undefined ? "chain-text" : `chain-text ${cls}`}>{visibleText(t.text, { lineBreaks })}</bdi>
      {t.cut && (
        <span class="cut" title={`${value.length.toLocaleString("en-US")} characters in all`}>
          … [cut]
        </span>
      )}
      {value === "" && <span class="muted">(empty)</span>}
    </>
  );
};

/** An address in a table: shortened, the whole of it in the title and for screen readers. */
export const Address: FC<{ value: string; href?: string }> = ({ value, href }) => {
  const body = (
    <code class="addr" title={value} aria-label={value}>
      {shortAddress(value)}
    </code>
  );
  return href ? <a href={href}>{body}</a> : body;
};

export const tokenHref = (address: string): string => `/tokens/${encodeURIComponent(address)}`;

/** A token's name (linking to its page) and symbol, as the first two cells of a table row. */
export const TokenNameCells: FC<{ token: { address: string; name: string; symbol: string } }> = ({ token: t }) => (
  <>
    <td>
      <a href={tokenHref(t.address)}>
        <Text value={t.name} max={60} />
      </a>
    </td>
    <td>
      <Text value={t.symbol} max={16} />
    </td>
  </>
);

/** A result or error box after an action. A plain message may quote what was typed or read: shown as <Text>. */
export const Notice: FC<{ kind: "ok" | "error" | "info"; children?: Child }> = ({ kind, children }) => (
  <div class={`notice ${kind}`} role={kind === "error" ? "alert" : "status"}>
    {typeof children === "string" ? <Text value={children} /> : children}
  </div>
);

export const StatusBadge: FC<{ status: string }> = ({ status }) => <span class={`badge s-${status.toLowerCase()}`}>{status.toLowerCase().replace("_", " ")}</span>;
