// The front end's client of `sync-tokens serve` (`import { createClient } from "sync-tokens/client"`): types
// generated from /openapi.json, openapi-fetch, and the stream's subscription. Nothing from the server.
export { createClient, ApiRequestError } from "./client.ts";
export type { ClientOptions, SyncTokensClient, Token, TokenPage, TokenListQuery, Status, ErrorBody, ErrorCode, paths, components } from "./client.ts";
export { subscribeStream } from "./stream.ts";
export type { StreamEvents, StreamEventType, StreamOptions, EventSourceLike, EventSourceConstructor } from "./stream.ts";
