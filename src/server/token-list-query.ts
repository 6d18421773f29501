// The query string of GET /api/tokens, read into the read model's typed options (TokenListQuery). Each bad
// parameter is refused with a QueryError naming it, before any database work.
import { AddressError, validateAddress } from "../internal/addresses.ts";
import {
  MAX_PAGE_SIZE,
  MAX_SEARCH_LENGTH,
  MIN_SEARCH_LENGTH,
  QueryError,
  TOKEN_SORTS,
  TOKEN_STATUSES,
  type TokenListQuery,
  type TokenSort,
  type TokenStatusFilter,
} from "../store/token-queries.ts";
import { quoteValue as quote } from "../internal/text/quote.ts";

/** Parses HTTP query parameters into a TokenListQuery; a bad value throws a QueryError naming it. */
export function parseTokenListQuery(params: Record<string, string | undefined>): TokenListQuery {
  const query: TokenListQuery = {};
  const status = params.status?.trim();
  if (status) {
    const upper = status.toUpperCase();
    if (!(TOKEN_STATUSES as readonly string[]).includes(upper)) {
      throw new QueryError(`status ${quote(status)} is not valid: expected one of ${TOKEN_STATUSES.join(", ").toLowerCase()}`);
    }
    query.status = upper as TokenStatusFilter;
  }
  const creator = params.creator?.trim();
  if (creator) {
    try {
      query.creator = validateAddress(creator, "creator", ["account", "contract"]);
    } catch (error) {
      throw new QueryError((error as AddressError).message);
    }
  }
  const q = params.q?.trim();
  if (q) {
    const length = [...q].length;
    if (length > MAX_SEARCH_LENGTH) throw new QueryError(`q is ${length} characters long: at most ${MAX_SEARCH_LENGTH}`);
    if (length < MIN_SEARCH_LENGTH) throw new QueryError(`q ${quote(q)} is too short: search with at least ${MIN_SEARCH_LENGTH} characters`);
    query.q = q;
  }
  const sort = params.sort?.trim();
  if (sort) {
    if (!(TOKEN_SORTS as readonly string[]).includes(sort)) {
      throw new QueryError(`sort ${quote(sort)} is not valid: expected one of ${TOKEN_SORTS.join(", ")}`);
    }
    query.sort = sort as TokenSort;
  }
  const order = params.order?.trim();
  if (order) {
    if (order !== "asc" && order !== "desc") throw new QueryError(`order ${quote(order)} is not valid: expected asc or desc`);
    query.order = order;
  }
  const limit = params.limit?.trim();
  if (limit) {
    const n = /^\d{1,4}$/.test(limit) ? Number(limit) : Number.NaN;
    if (!(n >= 1 && n <= MAX_PAGE_SIZE)) throw new QueryError(`limit ${quote(limit)} is not valid: expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
    query.limit = n;
  }
  const cursor = params.cursor?.trim();
  if (cursor) query.cursor = cursor;
  return query;
}
