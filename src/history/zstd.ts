// zstd decompression: Node's zlib where it has zstd (22.15+), else fzstd (pure JS) for Node 22.12-22.14.

import zlib from "node:zlib";
import { promisify } from "node:util";
import { decompress as fzstdDecompress } from "fzstd";

const native = typeof zlib.zstdDecompress === "function" ? promisify(zlib.zstdDecompress) : undefined;

export const zstdImplementation = native ? "node:zlib" : "fzstd";

/** Decompresses one zstd frame; throws on corrupt or truncated input. */
export async function zstdDecompress(data: Uint8Array): Promise<Uint8Array> {
  return native ? await native(data) : fzstdDecompress(data);
}
