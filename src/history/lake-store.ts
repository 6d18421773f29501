// Where a data lake's objects are: a folder, or a folder behind an http(s) URL. Keys are "/"-separated
// paths below it. Downloads retry transient HTTP failures; a missing object is null, not an error.

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { messageOf } from "../internal/errors.ts";
import { redactUrl } from "../internal/redact.ts";
import { withRetry } from "../rpc/retry.ts";
import { interrupted } from "./source.ts";

export interface LakeStoreOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface LakeStore {
  /** The folder or URL, safe to print. */
  readonly where: string;
  /** The folder's path, one name per segment (what a SEP-54 ledgersPath is matched against). */
  readonly segments: readonly string[];
  /** The object at `key`, or null when there is none. */
  read(key: string): Promise<Uint8Array | null>;
  /** A folder below this one. */
  sub(segments: readonly string[]): LakeStore;
  /** The folder above, if any. */
  parent(): LakeStore | undefined;
  /** Whether the folder exists (a URL cannot tell: true). */
  exists(): Promise<boolean>;
}

class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly transient: boolean,
  ) {
    super(`HTTP ${status}`);
  }
}

export function folderStore(dir: string): LakeStore {
  const root = path.resolve(dir);
  return {
    where: root,
    segments: root.split(path.sep).filter(Boolean),
    async read(key) {
      try {
        return await readFile(path.join(root, ...key.split("/")));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return null;
        throw error;
      }
    },
    sub: (segments) => folderStore(path.join(root, ...segments)),
    parent: () => (path.dirname(root) === root ? undefined : folderStore(path.dirname(root))),
    exists: async () => (await stat(root).catch(() => null))?.isDirectory() === true,
  };
}

export function urlStore(location: string | URL, options: LakeStoreOptions): LakeStore {
  const base = new URL(location);
  if (!base.pathname.endsWith("/")) base.pathname += "/";
  base.search = "";
  base.hash = "";
  const timeoutMs = options.timeoutMs ?? 30_000;
  const segments = base.pathname.split("/").filter(Boolean).map(decodeURIComponent);
  return {
    where: redactUrl(base.toString()),
    segments,
    read: (key) =>
      withRetry(
        async () => {
          const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
          let response: Response;
          try {
            response = await fetch(new URL(key, base), { signal: AbortSignal.any(signals) });
          } catch (error) {
            if (options.signal?.aborted) throw interrupted(options.signal);
            throw Object.assign(new Error(messageOf(error)), { transient: true });
          }
          if (response.status === 404) return null;
          if (!response.ok) {
            await response.body?.cancel();
            throw new HttpStatusError(response.status, response.status === 429 || response.status >= 500);
          }
          return new Uint8Array(await response.arrayBuffer());
        },
        { retries: 4, maxRetryTimeMs: 20_000, minBackoffMs: 200, maxBackoffMs: 4_000, signal: options.signal },
        (e): e is Error & { transient: boolean } => e instanceof Error && "transient" in e,
      ),
    sub: (more) => urlStore(new URL(more.map(encodeURIComponent).join("/") + "/", base), options),
    parent: () => (segments.length === 0 ? undefined : urlStore(new URL("../", base), options)),
    exists: async () => true,
  };
}
