// zstd decompression: Node's zlib where it has zstd (22.15+), else fzstd (pure JS) for Node 22.12-22.14.

import zlib from "node:zlib";
import { promisify } from "node:util";
import { decompress as fzstdDecompress } from "fzstd";

const native = typeof zlib.zstdDecompress === "function" ? promisify(zlib.zstdDecompress) : undefined;

export type ZstdImplementation = "node:zlib" | "fzstd";
export const zstdImplementation: ZstdImplementation = native ? "node:zlib" : "fzstd";

// zlib's default 16 KB output step makes decompression of megabyte-sized ledger batches several times slower; a
// step of the declared size (bounded) takes one step, without allocating megabytes for a small batch.
const MIN_CHUNK = 64 << 10;
const MAX_CHUNK = 64 << 20;
const UNKNOWN_CHUNK = 1 << 20;
const MAGIC = 0xfd2fb528;

/**
 * Decompresses one zstd frame; throws on corrupt or truncated input. zlib returns what it could decode of a
 * truncated frame without complaint, so the output is checked against the size the frame header declares
 * (Frame_Content_Size, which one-shot writers such as Galexie's and Node's always record).
 */
export async function zstdDecompress(data: Uint8Array, implementation = zstdImplementation): Promise<Uint8Array> {
  const declared = declaredSize(data);
  const chunkSize = declared === undefined ? UNKNOWN_CHUNK : Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, Number(declared)));
  const out = implementation === "node:zlib" && native ? await native(data, { chunkSize }) : fzstdDecompress(data);
  if (declared !== undefined && BigInt(out.byteLength) !== declared) {
    throw new Error(`truncated zstd frame: ${out.byteLength} of the ${declared} bytes it declares`);
  }
  return out;
}

/** The frame's declared content size (RFC 8878, 3.1.1.1), or undefined when the header omits it. */
function declaredSize(data: Uint8Array): bigint | undefined {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.byteLength < 5 || view.getUint32(0, true) !== MAGIC) throw new Error("not a zstd frame (bad magic number)");
  const descriptor = data[4]!;
  const fcsFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictionaryBytes = [0, 1, 2, 4][descriptor & 3]!;
  const fcsBytes = [singleSegment ? 1 : 0, 2, 4, 8][fcsFlag]!;
  const at = 5 + (singleSegment ? 0 : 1) + dictionaryBytes;
  if (fcsBytes === 0) return undefined;
  if (data.byteLength < at + fcsBytes) throw new Error("truncated zstd frame header");
  if (fcsBytes === 1) return BigInt(view.getUint8(at));
  if (fcsBytes === 2) return BigInt(view.getUint16(at, true) + 256);
  if (fcsBytes === 4) return BigInt(view.getUint32(at, true));
  return view.getBigUint64(at, true);
}
