// The resolvers: thin calls on LiveActions, the same calls the REST routes make. syncToken takes the same
// bearer token (SYNC_API_TOKEN) and the same per-client rate limiter as POST /api/sync-token, and counts in the
// same metric; tokens reads through the REST list's parser and keyset query.
import type { LiveActions } from "../../live/actions.ts";
import { validArgument } from "../../live/errors.ts";
import { publicStatus } from "../../live/public-status.ts";
import type { Metrics, SyncTokenOutcome } from "../../internal/metrics.ts";
import { MAX_PAGE_SIZE, type ListedToken, type TokenRow } from "../../store/token-queries.ts";
import { bearerMatches, type ApiTokens } from "../auth.ts";
import { httpFailure } from "../http-errors.ts";
import type { RateLimiter } from "../rate-limit.ts";
import { firstIssue } from "../routes/respond.ts";
import { TokenListQuery } from "../routes/schemas.ts";
import { syncTokenOutcome } from "../routes/sync.ts";
import { refusal } from "./errors.ts";

/** What the HTTP layer hands each request's resolvers. */
export interface GraphqlRequestContext {
  /** The client's rate-limit key (clientKey: socket address or trusted X-Forwarded-For). */
  clientKey: string;
  authorization: string | undefined;
}

export interface ResolverDeps {
  actions: LiveActions;
  tokens: ApiTokens;
  metrics: Metrics;
  /** The limiter of POST /api/sync-token, shared: one budget per client across REST and GraphQL. */
  syncLimiter: RateLimiter | null;
}

interface TokensArgs {
  where?: { status?: string | null; creator?: string | null; q?: string | null } | null;
  orderBy?: { field?: string | null; direction?: string | null } | null;
  first?: number | null;
  after?: string | null;
}

export function createResolvers({ actions, tokens, metrics, syncLimiter }: ResolverDeps) {
  return {
    Query: {
      token: async (_: unknown, { address }: { address: string }) => actions.queries().get(contractAddress(address)),
      tokens: async (_: unknown, args: TokensArgs) => {
        const first = args.first ?? undefined;
        if (first !== undefined && !(first >= 1 && first <= MAX_PAGE_SIZE)) {
          throw refusal("bad_request", `first ${first} is not valid: expected a whole number from 1 to ${MAX_PAGE_SIZE}`);
        }
        const parsed = TokenListQuery.safeParse({
          status: args.where?.status ?? undefined,
          creator: args.where?.creator ?? undefined,
          q: args.where?.q ?? undefined,
          sort: args.orderBy?.field?.toLowerCase(),
          order: args.orderBy?.direction?.toLowerCase(),
          limit: first === undefined ? undefined : String(first),
          cursor: args.after ?? undefined,
        });
        if (!parsed.success) throw refusal("bad_request", firstIssue(parsed.error.issues));
        const page = await actions.queries().list(parsed.data);
        return { nodes: page.tokens, pageInfo: { hasNextPage: page.nextCursor !== null, endCursor: page.nextCursor } };
      },
      status: async () => publicStatus(await actions.status()),
    },
    Mutation: {
      syncToken: async (_: unknown, { tokenAddress }: { tokenAddress: string }, context: GraphqlRequestContext): Promise<TokenRow> => {
        const count = (outcome: SyncTokenOutcome) => metrics.syncTokenRequests.inc({ outcome });
        if (tokens.apiToken !== null && !bearerMatches(context.authorization, tokens.apiToken)) {
          count("unauthorized");
          throw refusal("unauthorized", "missing or wrong bearer token (Authorization: Bearer ...)", 401, { "WWW-Authenticate": 'Bearer realm="sync-tokens"' });
        }
        const wait = syncLimiter?.take(context.clientKey) ?? 0;
        if (wait > 0) {
          count("rate_limited");
          throw refusal("rate_limited", `too many sync-token requests from this client: try again in ${wait} s`, 429, { "Retry-After": String(wait) });
        }
        try {
          const row = await actions.syncToken(tokenAddress);
          count("ok");
          return row;
        } catch (error) {
          count(syncTokenOutcome(httpFailure(error)?.status ?? 500));
          throw error;
        }
      },
    },
    // A single token's row is whole; a listed one says whether a text was cut.
    Token: { truncated: (row: TokenRow | ListedToken) => ("truncated" in row ? row.truncated : false) },
  };
}

/** The address checked with StrKey, as GET /api/tokens/:address checks it: a bad one is bad_request. */
function contractAddress(raw: string): string {
  return validArgument(raw, "token address", ["contract"]);
}
