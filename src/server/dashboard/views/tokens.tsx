/** @jsxRuntime automatic @jsxImportSource hono/jsx */
// The tokens table: search, filter by status, sort by any indexed column, keyset paging (Next follows the page's
// cursor, so page 1,000 costs what page 1 costs).
import type { FC } from "hono/jsx";
import { TOKEN_SORTS, TOKEN_STATUSES, type SortOrder, type TokenRow, type TokenSort } from "../../../store/token-queries.ts";
import { formatBasisPoints, formatInteger, formatStroops, formatTime, graduationBasisPoints } from "../format.ts";
import { Address, Notice, Page, StatusBadge, TokenNameCells } from "./layout.tsx";

export interface TokensView {
  q: string;
  status: string;
  sort: TokenSort;
  order: SortOrder;
  /** 1-based; the page number travels with the cursor only to be shown. */
  page: number;
  tokens: TokenRow[];
  nextCursor: string | null;
  /** What the search matched, e.g. "creator G..." or "token address C...". */
  matched: string | null;
  error: string | null;
}

const SORT_LABELS: Record<TokenSort, string> = {
  created: "Created",
  market_cap: "Market cap",
  xlm_raised: "XLM raised",
  holders: "Holders",
  volume_24h: "24 h volume",
};

export function tokensUrl(v: Pick<TokensView, "q" | "status" | "sort" | "order">, extra: Record<string, string> = {}): string {
  const p = new URLSearchParams();
  if (v.q) p.set("q", v.q);
  if (v.status) p.set("status", v.status);
  if (v.sort !== "created") p.set("sort", v.sort);
  if (v.order !== "desc") p.set("order", v.order);
  for (const [k, val] of Object.entries(extra)) p.set(k, val);
  const s = p.toString();
  return s ? `/tokens?${s}` : "/tokens";
}

export const TokensPage: FC<{ view: TokensView; csrfToken: string }> = ({ view, csrfToken }) => (
  <Page title="Tokens" section="tokens" csrfToken={csrfToken}>
    <form method="get" action="/tokens" class="inline" role="search" aria-label="Search tokens">
      <label>
        Search
        <input type="search" name="q" value={view.q} placeholder="name, symbol, token or creator address" maxlength={100} />
      </label>
      <label>
        Status
        <select name="status">
          <option value="" selected={view.status === ""}>
            any
          </option>
          {TOKEN_STATUSES.map((s) => (
            <option value={s.toLowerCase()} selected={view.status === s.toLowerCase()}>
              {s.toLowerCase().replace("_", " ")}
            </option>
          ))}
        </select>
      </label>
      <label>
        Sort by
        <select name="sort">
          {TOKEN_SORTS.map((s) => (
            <option value={s} selected={view.sort === s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Order
        <select name="order">
          <option value="desc" selected={view.order === "desc"}>
            highest / newest first
          </option>
          <option value="asc" selected={view.order === "asc"}>
            lowest / oldest first
          </option>
        </select>
      </label>
      <button type="submit">Show</button>
    </form>
    {view.error && <Notice kind="error">{view.error}</Notice>}
    {view.matched && <p id="matched">Showing tokens whose {view.matched}.</p>}
    <div class="table-wrap">
      <table id="tokens">
        <caption class="sr-only">
          Tokens, page {view.page}, sorted by {SORT_LABELS[view.sort]} {view.order === "desc" ? "descending" : "ascending"}
        </caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Symbol</th>
            <th scope="col">Creator</th>
            <th scope="col">Status</th>
            <SortHeader view={view} sort="xlm_raised" label="Graduation" />
            <SortHeader view={view} sort="market_cap" label="Market cap (XLM)" />
            <SortHeader view={view} sort="holders" label="Holders" />
            <SortHeader view={view} sort="created" label="Created" />
            <th scope="col" class="hide-narrow">
              Last synced
            </th>
          </tr>
        </thead>
        <tbody>
          {view.tokens.map((t) => (
            <TokenRowView token={t} />
          ))}
        </tbody>
      </table>
    </div>
    {view.tokens.length === 0 && !view.error && <p id="no-tokens">No tokens match.</p>}
    <nav class="pager" aria-label="Pages">
      {view.page > 1 && <a href={tokensUrl(view)}>First page</a>}
      <span>Page {view.page}</span>
      {view.nextCursor && (
        <a href={tokensUrl(view, { cursor: view.nextCursor, page: String(view.page + 1) })} rel="next">
          Next page
        </a>
      )}
    </nav>
  </Page>
);

/** A column header that sorts by its column; a second click reverses the order. */
const SortHeader: FC<{ view: TokensView; sort: TokenSort; label: string }> = ({ view, sort, label }) => {
  const active = view.sort === sort;
  const order: SortOrder = active && view.order === "desc" ? "asc" : "desc";
  return (
    <th scope="col" class="num" aria-sort={active ? (view.order === "desc" ? "descending" : "ascending") : undefined}>
      <a href={tokensUrl({ ...view, sort, order })} data-sort={sort}>
        {label}
        {active ? (view.order === "desc" ? " ↓" : " ↑") : ""}
      </a>
    </th>
  );
};

const TokenRowView: FC<{ token: TokenRow }> = ({ token: t }) => {
  const bp = graduationBasisPoints(t.xlmRaised);
  return (
    <tr data-address={t.address}>
      <TokenNameCells token={t} />
      <td>
        <Address value={t.creator} href={`/tokens?q=${encodeURIComponent(t.creator)}`} />
      </td>
      <td>
        <StatusBadge status={t.status} />
      </td>
      <td class="num">
        <progress max={10000} value={bp} aria-label={`graduation progress ${formatBasisPoints(bp)}`} title={`${formatStroops(t.xlmRaised)} of 10,000 XLM`}></progress>{" "}
        {formatBasisPoints(bp)}
      </td>
      <td class="num amount">
        <data value={t.marketCap} title={`${t.marketCap} stroops`}>
          {formatStroops(t.marketCap)}
        </data>
      </td>
      <td class="num">{formatInteger(t.holdersCount)}</td>
      <td class="when">{formatTime(t.createdAt, "minutes")}</td>
      <td class="hide-narrow when">{formatTime(new Date(t.lastSyncedAt), "minutes")}</td>
    </tr>
  );
};
