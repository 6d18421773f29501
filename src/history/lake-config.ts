// A data lake's configuration, in either layout SEP-54 allows:
//   Galexie:        <lake>/.config.json beside the partitions (what the public lakes use);
//   SEP-54 v0.2.0:  <lake>/config.json whose `ledgersPath` names the partitions' folder, e.g.
//                   /stellar/pubnet/config.json with "ledgersPath": "/stellar/pubnet/ledgers".
// An absolute ledgersPath is a path from the store's root, which a folder or URL does not show: it is
// matched against the end of the config's own path (the spec's example shares /stellar/pubnet).
// The lake may be named by its root, by the config file itself (any name ending in .json), or, for
// v0.2.0, by the partitions' folder (the config is then looked for one folder up).

import { messageOf } from "../internal/errors.ts";
import type { LakeStore } from "./lake-store.ts";

export interface LakeConfig {
  layout: "galexie" | "sep54";
  networkPassphrase: string;
  ledgersPerBatch: number;
  batchesPerPartition: number;
  /** The partitions' folder. */
  partitions: LakeStore;
  /** Its path from the folder the user named ("" or e.g. "ledgers/"), to name files in messages. */
  prefix: string;
}

export const GALEXIE_CONFIG = ".config.json";
export const SEP54_CONFIG = "config.json";

/** Reads the config of the lake at `store` (`file`: the config's name when the user named it). */
export async function readLakeConfig(store: LakeStore, fail: (why: string) => Error, file?: string): Promise<LakeConfig> {
  for (const name of file ? [file] : [SEP54_CONFIG, GALEXIE_CONFIG]) {
    const raw = await readConfig(store, name, fail);
    if (raw) return parse(raw, name, store, fail);
  }
  if (!file) {
    // The partitions' folder of a v0.2.0 lake: its config is one folder up and names this folder.
    const up = store.parent();
    const raw = up && (await readConfig(up, SEP54_CONFIG, () => null).catch(() => null));
    if (up && raw) {
      const config = await parse(raw, `../${SEP54_CONFIG}`, up, fail).catch(() => null);
      if (config?.partitions.where === store.where) return { ...config, partitions: store, prefix: "" };
    }
  }
  throw fail(
    file
      ? `is not a SEP-54 data lake: it has no ${file}`
      : `is not a SEP-54 data lake: it has neither ${SEP54_CONFIG} (SEP-54 v0.2.0) nor ${GALEXIE_CONFIG} (Galexie)`,
  );
}

async function readConfig(store: LakeStore, name: string, fail: (why: string) => Error | null): Promise<Uint8Array | null> {
  try {
    return await store.read(name);
  } catch (error) {
    const e = fail(`could not be read: ${name}: ${messageOf(error)}`);
    if (e) throw e;
    return null;
  }
}

async function parse(raw: Uint8Array, name: string, store: LakeStore, fail: (why: string) => Error): Promise<LakeConfig> {
  let config: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(raw).toString("utf8"));
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
    config = parsed as Record<string, unknown>;
  } catch {
    throw fail(`has a ${name} that is not a JSON object`);
  }
  const positive = (field: string) => {
    const v = config[field];
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw fail(`has a ${name} whose ${field} is not a positive integer`);
    return v;
  };
  const passphrase = config["networkPassphrase"];
  if (typeof passphrase !== "string" || passphrase === "") throw fail(`has a ${name} without networkPassphrase`);
  if (config["compression"] !== "zstd") throw fail(`uses compression ${JSON.stringify(config["compression"])}: only zstd is supported`);
  const layout = { networkPassphrase: passphrase, ledgersPerBatch: positive("ledgersPerBatch"), batchesPerPartition: positive("batchesPerPartition") };
  const ledgersPath = config["ledgersPath"];
  if (ledgersPath === undefined && name.endsWith(GALEXIE_CONFIG)) return { layout: "galexie", ...layout, partitions: store, prefix: "" };
  if (typeof ledgersPath !== "string" || ledgersPath.trim() === "") throw fail(`has a ${name} without ledgersPath (the partitions' folder)`);
  const [partitions, below] = await resolveLedgersPath(store, ledgersPath.trim(), (why) => fail(`has a ${name} whose ledgersPath ${JSON.stringify(ledgersPath).slice(0, 200)} ${why}`));
  return { layout: "sep54", ...layout, partitions, prefix: below.map((s) => `${s}/`).join("") };
}

/** The partitions' folder a ledgersPath names, and its path below the config's folder. */
async function resolveLedgersPath(store: LakeStore, ledgersPath: string, fail: (why: string) => Error): Promise<[LakeStore, string[]]> {
  const segments = ledgersPath.split("/").filter((s) => s !== "" && s !== ".");
  if (ledgersPath.length > 1024 || segments.some((s) => s === ".." || /[\\\0]/.test(s))) throw fail("is not a folder of the store");
  if (!ledgersPath.startsWith("/")) return [store.sub(segments), segments];
  // Absolute: the store's root is where the config's path and ledgersPath part; the longest overlap first.
  const own = store.segments;
  const tried: string[] = [];
  for (let k = Math.min(own.length, segments.length); k >= 0; k--) {
    if (!segments.slice(0, k).every((s, i) => s === own[own.length - k + i])) continue;
    const below = segments.slice(k);
    const candidate = store.sub(below);
    if (await candidate.exists()) return [candidate, below];
    tried.push(candidate.where);
  }
  throw fail(`names no folder (looked for ${tried.join(", ")})`);
}
