// XDR -> JSON for `xdrFormat: "json"`. stellar-rpc renders it with the Rust stellar-xdr crate
// (xdr2json); @stellar/stellar-xdr-json is that crate compiled to wasm, so its output matches
// field for field (the SDK's own toJson() differs, e.g. `type` vs `type_`).

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { decode, encode, initSync } from "@stellar/stellar-xdr-json";

let ready = false;
function init(): void {
  if (ready) return;
  const require = createRequire(import.meta.url);
  initSync(readFileSync(require.resolve("@stellar/stellar-xdr-json/stellar_xdr_json_bg.wasm")));
  ready = true;
}

/** Decodes base64 XDR of `type` (e.g. "ScVal", "LedgerEntryData") into its JSON value. */
export function xdrToJson(type: string, b64: string): any {
  init();
  return JSON.parse(decode(type, b64));
}

export function jsonToXdr(type: string, value: unknown): string {
  init();
  return encode(type, JSON.stringify(value));
}
