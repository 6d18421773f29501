// Parameter decoding shared by the method handlers. stellar-rpc takes params by name only and
// answers -32602 for anything that does not fit its request struct.

import { invalidParams } from "../rpc-error.ts";

export type Params = Record<string, unknown>;

export function objectParams(raw: unknown): Params {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== "object" || Array.isArray(raw)) throw invalidParams("invalid parameters: params must be an object (by-name)");
  return raw as Params;
}

/** A non-negative integer, or undefined when absent/null. */
export function optUint(p: Params, name: string): number | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0 || v > 0xffffffff) {
    throw invalidParams(`invalid parameters: ${name} must be an unsigned 32-bit integer`);
  }
  return v;
}

export function optString(p: Params, name: string): string | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw invalidParams(`invalid parameters: ${name} must be a string`);
  return v;
}

export function optObject(p: Params, name: string): Params | undefined {
  const v = p[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw invalidParams(`invalid parameters: ${name} must be an object`);
  return v as Params;
}

export type XdrFormat = "base64" | "json";

export function xdrFormat(p: Params): XdrFormat {
  const f = optString(p, "xdrFormat");
  if (f === undefined || f === "" || f === "base64") return "base64";
  if (f === "json") return "json";
  throw invalidParams(`expected 'base64' or 'json' for 'xdrFormat', got '${f}'`);
}
