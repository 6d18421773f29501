// The REST API's shapes as zod schemas: the same objects validate requests and write /openapi.json, so the
// document cannot drift from what the server accepts. Messages of refusals name the bad value in one line.
import { z } from "@hono/zod-openapi";
import { AddressError, validateAddress, type AddressKind } from "../../internal/addresses.ts";
import { quoteValue as quote } from "../../internal/text/quote.ts";
import { MAX_PAGE_SIZE, MAX_SEARCH_LENGTH, MIN_SEARCH_LENGTH, TOKEN_SORTS, TOKEN_STATUSES, type TokenStatusFilter } from "../../store/token-queries.ts";
import { ERROR_CODES } from "../http-errors.ts";

const ADDRESS_PATTERN = { contract: "C[A-Z2-7]{55}", account: "G[A-Z2-7]{55}" } as const;

/** A Stellar address checked with StrKey; the refusal is validateAddress's message (seeds masked). */
export function address(label: string, kinds: AddressKind[]) {
  return z
    .string({ error: `${label} must be a string` })
    .transform((raw, ctx) => {
      try {
        return validateAddress(raw, label, kinds);
      } catch (error) {
        ctx.addIssue({ code: "custom", message: (error as AddressError).message });
        return z.NEVER;
      }
    })
    .openapi({ type: "string", pattern: `^(${kinds.map((k) => ADDRESS_PATTERN[k]).join("|")})$`, example: kinds[0] === "contract" ? "CBQPJQUZVSQTBK3XODX4L4WHWSUQZ6PUEEOFK37ZEPM6GVOAHURFIOEA" : "GBB6AGAK6XGFWLOB4AMUUFHANVJFRR4TNSANEMRY2VKMVGKCEFOC4CFY" });
}

const amount = (description: string) => z.string().openapi({ description: `${description} (a decimal string: i128/u64 exact)`, pattern: "^-?[0-9]+$" });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).openapi({ description: "Stable machine code: branch on it, never on the message" }),
      message: z.string().openapi({ description: "One line for a person" }),
    }),
  })
  .openapi("Error");

export const TokenRow = z
  .object({
    address: z.string(),
    contractId: z.string(),
    onchainId: z.number().int(),
    creator: z.string(),
    name: z.string().openapi({ description: "Creator-supplied: hostile text (bidi controls, HTML); render through visibleText" }),
    symbol: z.string(),
    imageUrl: z.string(),
    description: z.string(),
    status: z.enum(TOKEN_STATUSES),
    totalSupply: amount("total supply"),
    tokensSold: amount("tokens sold"),
    tokensRemaining: amount("tokens remaining"),
    xlmReserve: amount("XLM reserve, in stroops"),
    curveK: amount("bonding curve constant"),
    xlmRaised: amount("XLM raised, in stroops"),
    marketCap: amount("market cap, in stroops"),
    holdersCount: amount("holders"),
    createdAt: amount("launch time on chain, unix seconds"),
    discoveredVia: z.enum(["EVENTS", "STORAGE", "MANUAL"]),
    firstSeenAt: z.string().openapi({ format: "date-time" }),
    lastSyncedAt: z.string().openapi({ format: "date-time" }),
    lastSyncedLedger: z.number().int(),
  })
  .openapi("Token");

export const TokenPage = z
  .object({
    tokens: z.array(TokenRow.extend({ truncated: z.boolean().openapi({ description: "name, symbol, imageUrl or description was cut at 1,024 characters" }) })),
    nextCursor: z.string().nullable().openapi({ description: "Pass as `cursor` for the next page (same sort and order); null on the last page" }),
  })
  .openapi("TokenPage");

/**
 * A query parameter: absent when empty or blank, else trimmed and checked by `schema`. The schema's metadata names
 * its `type`: without it the document would read the preprocessing's optional as nullable.
 */
function optionalParam<T extends z.ZodType>(schema: T) {
  return z.preprocess((v) => (typeof v === "string" && v.trim() !== "" ? v.trim() : undefined), schema.optional());
}

const codePoints = (s: string) => [...s].length;

export const TokenListQuery = z.object({
  status: optionalParam(
    z
      .string()
      .refine((s) => (TOKEN_STATUSES as readonly string[]).includes(s.toUpperCase()), {
        error: (i) => `status ${quote(String(i.input))} is not valid: expected one of ${TOKEN_STATUSES.join(", ").toLowerCase()}`,
      })
      .transform((s) => s.toUpperCase() as TokenStatusFilter)
      .openapi({ type: "string", enum: TOKEN_STATUSES.map((s) => s.toLowerCase()), description: "case-insensitive" }),
  ),
  creator: optionalParam(address("creator", ["account", "contract"])),
  q: optionalParam(
    z
      .string()
      .refine((q) => codePoints(q) <= MAX_SEARCH_LENGTH, { error: (i) => `q is ${codePoints(String(i.input))} characters long: at most ${MAX_SEARCH_LENGTH}` })
      .refine((q) => codePoints(q) >= MIN_SEARCH_LENGTH, { error: (i) => `q ${quote(String(i.input))} is too short: search with at least ${MIN_SEARCH_LENGTH} characters` })
      .openapi({ type: "string", minLength: MIN_SEARCH_LENGTH, maxLength: MAX_SEARCH_LENGTH, description: "name or symbol, case-insensitive substring" }),
  ),
  sort: optionalParam(z.enum(TOKEN_SORTS, { error: (i) => `sort ${quote(String(i.input))} is not valid: expected one of ${TOKEN_SORTS.join(", ")}` }).openapi({ type: "string", enum: [...TOKEN_SORTS], default: "created" })),
  order: optionalParam(z.enum(["asc", "desc"], { error: (i) => `order ${quote(String(i.input))} is not valid: expected asc or desc` }).openapi({ type: "string", enum: ["asc", "desc"], default: "desc" })),
  limit: optionalParam(
    z
      .string()
      .refine((s) => /^\d{1,4}$/.test(s) && Number(s) >= 1 && Number(s) <= MAX_PAGE_SIZE, {
        error: (i) => `limit ${quote(String(i.input))} is not valid: expected a whole number from 1 to ${MAX_PAGE_SIZE}`,
      })
      .transform(Number)
      .openapi({ type: "integer", minimum: 1, maximum: MAX_PAGE_SIZE, default: 50 }),
  ),
  cursor: optionalParam(z.string().openapi({ type: "string", description: "the previous page's `nextCursor` (keyset paging)" })),
});

export const TokenAddressParams = z.object({
  address: address("token address", ["contract"]).openapi({ param: { name: "address", in: "path" } }),
});

export const SyncTokenBody = z
  .object({ tokenAddress: address("tokenAddress", ["contract"]) }, { error: "the request body must be a JSON object with tokenAddress" })
  .openapi("SyncTokenRequest");

export const AdminSyncBody = z
  .object(
    {
      creator: address("creator", ["account", "contract"]).optional().openapi({ description: "scan this creator's token list and sync every token on it" }),
      full: z.literal(true, { error: (i) => `full must be true, got ${JSON.stringify(i.input)}` }).optional(),
    },
    { error: "the request body must be a JSON object" },
  )
  .openapi("AdminSyncRequest");

const SyncRun = z.object({
  id: z.string(),
  trigger: z.string(),
  outcome: z.enum(["RUNNING", "SUCCEEDED", "PARTIAL", "FAILED"]),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  found: z.object({ events: z.number(), storage: z.number(), manual: z.number() }),
  synced: z.number(),
  unchanged: z.number(),
  failed: z.number(),
  missing: z.number(),
  fromLedger: z.number().nullable(),
  toLedger: z.number().nullable(),
});

const statusFields = {
  contractId: z.string(),
  network: z.string(),
  networkPassphrase: z.string(),
  role: z.enum(["starting", "leader", "standby"]),
  ready: z.boolean(),
  latestLedger: z.number().nullable(),
  latestLedgerAt: z.string().nullable(),
  cursor: z.object({ ledger: z.number(), ledgerHash: z.string().nullable(), updatedAt: z.string() }).nullable(),
  lag: z.object({ ledgers: z.number().nullable(), seconds: z.number().nullable() }),
  lease: z
    .object({ holder: z.string(), epoch: z.string(), deadline: z.string(), live: z.boolean(), mine: z.boolean(), ttlSeconds: z.number() })
    .nullable(),
  ledgerCloseSeconds: z.number(),
  storedTokens: z.number(),
  contractTokens: z.number().nullable(),
  missingIds: z.array(z.number()),
  missingCount: z.number(),
  initialSyncDone: z.boolean(),
  lastBatchAt: z.string().nullable(),
  tradeHistory: z
    .object({
      fromLedger: z.number().int().nullable().openapi({ description: "the first ledger whose trades are stored; null before any run" }),
      backfilled: z.boolean().openapi({ description: "a backfill covered the history before the sync's first window" }),
      holes: z.array(z.object({ fromLedger: z.number().int(), toLedger: z.number().int() })).openapi({ description: "ledger ranges (inclusive) whose trades were never read" }),
    })
    .openapi("TradeHistory"),
};

export const PublicStatus = z.object({ ...statusFields, lastRuns: z.array(SyncRun) }).openapi("Status");

export const AdminStatus = z
  .object({
    ...statusFields,
    rpcUrl: z.string().openapi({ description: "masked" }),
    database: z.string(),
    lastError: z.string().nullable(),
    lastRuns: z.array(SyncRun.extend({ error: z.string().nullable() })),
  })
  .openapi("AdminStatus");

export const CreatorScan = z
  .object({
    scan: z.object({
      creator: z.string(),
      tokens: z.number(),
      synced: z.number(),
      unchanged: z.number(),
      failed: z.array(z.object({ address: z.string(), error: z.string() })),
    }),
  })
  .openapi("CreatorScan");

export const ResyncAccepted = z.object({ accepted: z.literal("full resync"), status: z.literal("/api/status") }).openapi("ResyncAccepted");
