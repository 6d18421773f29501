// Resolves the run's configuration: flags override the environment, which overrides defaults.
// Every value is validated here, so that bad input stops the run before any network or database work.
import { Networks } from "@stellar/stellar-sdk/base";
import { AddressError, validateAddress } from "../internal/addresses.ts";
import { databaseTarget } from "./database.ts";
import { boundedInt, isTrue, nonEmpty, splitList } from "./env-values.ts";
import { ConfigError } from "../internal/errors.ts";
import { parseUrl, validateHttpUrl } from "./http-url.ts";
import { redactUnparsedUrl, redactUrl } from "../internal/redact.ts";
import { resolveWebhookConfig, type WebhookConfig, type WebhookOptions } from "./webhooks.ts";

export { ConfigError, validateHttpUrl };

export const NETWORKS = {
  testnet: { passphrase: Networks.TESTNET, rpcUrl: "https://soroban-testnet.stellar.org" },
  futurenet: { passphrase: Networks.FUTURENET, rpcUrl: "https://rpc-futurenet.stellar.org" },
  // SDF runs no public mainnet RPC: pick a provider and pass its URL.
  mainnet: { passphrase: Networks.PUBLIC, rpcUrl: undefined },
  local: { passphrase: Networks.STANDALONE, rpcUrl: "http://localhost:8000/rpc" },
} as const satisfies Record<string, { passphrase: string; rpcUrl: string | undefined }>;

export type NetworkName = keyof typeof NETWORKS;

/** What a caller may pass; the CLI fills it from flags, and the environment fills the gaps. */
export interface SyncOptions {
  network?: string;
  rpcUrl?: string;
  networkPassphrase?: string;
  contractId?: string;
  creators?: string[];
  tokens?: string[];
  full?: boolean;
  concurrency?: number | string;
  dryRun?: boolean;
  /** false: keep no market data (trades, their holes, launch and graduation ledgers); what `pnpm bench` compares with. Default true. */
  trades?: boolean;
  databaseUrl?: string;
  dataDir?: string;
  allowHttp?: boolean;
  timeoutMs?: number | string;
  trigger?: string;
  /** Webhook endpoints, events, secret (src/config/webhooks.ts). */
  webhook?: WebhookOptions;
}

export interface ManualCreator {
  address: string;
  source: "CONFIG" | "ENV";
}

export interface SyncConfig {
  /** The preset whose passphrase is in use, or "custom". */
  network: string;
  rpcUrl: string;
  networkPassphrase: string;
  contractId: string;
  creators: ManualCreator[];
  tokens: string[];
  full: boolean;
  concurrency: number;
  dryRun: boolean;
  trades: boolean;
  databaseUrl?: string;
  dataDir: string;
  timeoutMs: number;
  trigger: string;
  /** null: no webhook endpoint configured. */
  webhooks: WebhookConfig | null;
}

export function resolveConfig(options: SyncOptions, env: NodeJS.ProcessEnv = process.env): SyncConfig {
  try {
    return resolve(options, env);
  } catch (error) {
    if (error instanceof AddressError) throw new ConfigError(error.message);
    throw error;
  }
}

function resolve(options: SyncOptions, env: NodeJS.ProcessEnv): SyncConfig {
  const network = (options.network ?? nonEmpty(env.STELLAR_NETWORK) ?? "testnet").trim();
  if (!(network in NETWORKS)) {
    throw new ConfigError(`network ${JSON.stringify(network)} is unknown: expected one of ${Object.keys(NETWORKS).join(", ")}`);
  }
  const preset = NETWORKS[network as NetworkName];
  const rpcUrl = options.rpcUrl ?? nonEmpty(env.RPC_URL) ?? preset.rpcUrl;
  if (!rpcUrl) throw new ConfigError(`no RPC URL for ${network}: pass --rpc-url or set RPC_URL`);
  const allowHttp = options.allowHttp ?? isTrue(env.ALLOW_HTTP);
  const networkPassphrase = options.networkPassphrase ?? nonEmpty(env.NETWORK_PASSPHRASE) ?? preset.passphrase;

  const contractRaw = options.contractId ?? nonEmpty(env.CONTRACT_ID);
  if (!contractRaw) throw new ConfigError("no contract id: pass --contract-id or set CONTRACT_ID (the SAC Factory's C... address)");
  const contractId = validateAddress(contractRaw, "contract id", ["contract"]);

  const creators: ManualCreator[] = [];
  for (const raw of options.creators ?? []) {
    creators.push({ address: validateAddress(raw, "--creator", ["account", "contract"]), source: "CONFIG" });
  }
  for (const raw of splitList(env.CREATOR_ADDRESS)) {
    creators.push({ address: validateAddress(raw, "CREATOR_ADDRESS entry", ["account", "contract"]), source: "ENV" });
  }
  const tokens = (options.tokens ?? []).map((raw) => validateAddress(raw, "--token", ["contract"]));

  const database = databaseTarget(options, env);
  const named = Object.entries(NETWORKS).find(([, n]) => n.passphrase === networkPassphrase)?.[0];
  return {
    network: named ?? "custom",
    rpcUrl: validateHttpUrl(rpcUrl.trim(), allowHttp),
    networkPassphrase,
    contractId,
    creators: firstOfEachCreator(creators),
    tokens: [...new Set(tokens)],
    full: options.full ?? false,
    concurrency: boundedInt(options.concurrency ?? env.SYNC_CONCURRENCY, "concurrency", 1, 256) ?? 8,
    dryRun: options.dryRun ?? false,
    trades: options.trades ?? true,
    ...database,
    databaseUrl: validateDatabaseUrl(database.databaseUrl),
    timeoutMs: boundedInt(options.timeoutMs ?? env.RPC_TIMEOUT_MS, "RPC timeout (ms)", 100, 600_000) ?? 30_000,
    trigger: options.trigger ?? (env.SYNC_TRIGGER?.trim() || "api"),
    webhooks: resolveWebhookConfig(options.webhook, env, allowHttp),
  };
}

/** Each creator once, with the source it was first given by. */
function firstOfEachCreator(creators: ManualCreator[]): ManualCreator[] {
  const seen = new Map<string, ManualCreator>();
  for (const c of creators) if (!seen.has(c.address)) seen.set(c.address, c);
  return [...seen.values()];
}

function validateDatabaseUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const raw = value.trim();
  const expected = "expected postgresql://user:password@host:port/database";
  const url = parseUrl(raw);
  if (url === undefined || (url.host === "" && !url.pathname.startsWith("/"))) {
    throw new ConfigError(`DATABASE_URL ${JSON.stringify(redactUnparsedUrl(raw))} is not a URL: ${expected}`);
  }
  if (url.protocol !== "postgresql:" && url.protocol !== "postgres:") {
    throw new ConfigError(`DATABASE_URL ${redactUrl(raw)} uses ${url.protocol}//: ${expected}`);
  }
  return raw;
}
