// The typed client of the REST API: openapi-fetch over the types generated from /openapi.json, plus the calls a
// front end makes most, which return the data or throw an ApiRequestError carrying the stable error code.
import createFetchClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./api-types.ts";

export type { components, paths } from "./api-types.ts";
export type Token = components["schemas"]["Token"];
export type TokenPage = components["schemas"]["TokenPage"];
export type Status = components["schemas"]["Status"];
export type ErrorBody = components["schemas"]["Error"];
export type ErrorCode = ErrorBody["error"]["code"];
export type TokenListQuery = NonNullable<paths["/api/tokens"]["get"]["parameters"]["query"]>;

export interface ClientOptions {
  /** The service's origin, e.g. "https://sync.example.com". */
  baseUrl: string;
  /** SYNC_API_TOKEN (or the admin token for the admin routes), sent as `Authorization: Bearer`. */
  token?: string;
  /** A fetch to use instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

/** A refusal of the API: the HTTP status, the stable code and the one-line message. */
export class ApiRequestError extends Error {
  override name = "ApiRequestError";
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SyncTokensClient extends Client<paths> {
  /** POST /api/sync-token: reads the token from the chain now and returns the stored row. */
  syncToken(tokenAddress: string): Promise<Token>;
  /** GET /api/tokens: one page; pass `nextCursor` as `cursor` for the next. */
  listTokens(query?: TokenListQuery): Promise<TokenPage>;
  /** GET /api/tokens/{address}: the stored token, or null when it is not stored. */
  getToken(address: string): Promise<Token | null>;
  /** GET /api/status */
  status(): Promise<Status>;
}

export function createClient(options: ClientOptions): SyncTokensClient {
  const api = createFetchClient<paths>({
    baseUrl: options.baseUrl.replace(/\/+$/, ""),
    ...(options.token === undefined ? {} : { headers: { Authorization: `Bearer ${options.token}` } }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
  });
  return Object.assign(api, {
    syncToken: async (tokenAddress: string) => settled(await api.POST("/api/sync-token", { body: { tokenAddress } })),
    listTokens: async (query: TokenListQuery = {}) => settled(await api.GET("/api/tokens", { params: { query } })),
    getToken: async (address: string) => {
      const answer = await api.GET("/api/tokens/{address}", { params: { path: { address } } });
      return answer.response.status === 404 ? null : settled(answer);
    },
    status: async () => settled(await api.GET("/api/status")),
  });
}

function settled<T>(answer: { data?: T; error?: unknown; response: Response }): T {
  if (answer.data !== undefined) return answer.data;
  const body = answer.error as Partial<ErrorBody> | undefined;
  const error = body?.error;
  throw new ApiRequestError(answer.response.status, error?.code ?? "internal", error?.message ?? `HTTP ${answer.response.status}`);
}
