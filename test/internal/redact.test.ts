import { describe, expect, it } from "vitest";
import { looksLikeKey, redactSecrets, redactUnparsedUrl, redactUrl, urlSecrets } from "../../src/internal/redact.ts";

describe("redactUrl", () => {
  it("masks user-info and every query value", () => {
    expect(redactUrl("https://u:p@rpc.x/?apikey=abc")).toBe("https://***@rpc.x/?apikey=***");
    expect(redactUrl("https://rpc.x/v1?apikey=abc&network=testnet")).toBe("https://rpc.x/v1?apikey=***&network=***");
    expect(redactUrl("https://user@rpc.x:8443/")).toBe("https://***@rpc.x:8443/");
  });

  it("masks bare query tokens and fragments, keeps empty pairs", () => {
    expect(redactUrl("https://rpc.x/?abc123&&k=")).toBe("https://rpc.x/?***&&k=***");
    expect(redactUrl("https://rpc.x/#token")).toBe("https://rpc.x/#***");
  });

  it("leaves a URL without secrets as it is", () => {
    expect(redactUrl("https://soroban-testnet.stellar.org/")).toBe("https://soroban-testnet.stellar.org/");
  });

  it("masks path segments that look like keys, as providers and chat webhooks put them, and keeps route words", () => {
    expect(redactUrl("https://rpc.x/v1/k3yS3cr3tPathToken0123456789")).toBe("https://rpc.x/v1/***");
    expect(redactUrl("https://rpc.ankr.com/stellar_soroban/" + "ab12".repeat(16))).toBe("https://rpc.ankr.com/stellar_soroban/***");
    expect(redactUrl("https://x.quiknode.pro/3f2a9c0d4b5e6f708192a3b4c5d6e7f8/")).toBe("https://x.quiknode.pro/***/");
    expect(redactUrl("https://discord.com/api/webhooks/123456789012345678/AbCdEfGhIjKlMnOpQrStUvWxYz-_0123456789")).toBe(
      "https://discord.com/api/webhooks/***/***",
    );
    expect(redactUrl("https://hooks.slack.com/services/T0123ABCD/B0456EFGH/XyZaBcDeFgHiJkLmNoPqRsTu")).toBe(
      "https://hooks.slack.com/services/T0123ABCD/B0456EFGH/***",
    );
    for (const url of ["https://mainnet.sorobanrpc.com/soroban/rpc/v1", "https://rpc.x/soroban-rpc-testnet-endpoint/mainnet"]) {
      expect(redactUrl(url)).toBe(url);
    }
  });

  it("masks key-like parts of a URL it cannot parse", () => {
    expect(redactUnparsedUrl("rpc.x/v1/k3yS3cr3tPathToken0123456789 oops")).toBe("rpc.x/v1/*** oops");
  });

  it("masks everything it cannot parse", () => {
    expect(redactUrl("not a url with secret")).toBe("***");
  });
});

describe("urlSecrets", () => {
  it("lists user name, password and query values, raw and decoded", () => {
    expect(urlSecrets("https://u:p%40ss@rpc.x/?apikey=a%2Bb&x")).toEqual(
      expect.arrayContaining(["u", "p%40ss", "p@ss", "a%2Bb", "a+b", "x"]),
    );
    expect(urlSecrets("https://rpc.x/")).toEqual([]);
    expect(urlSecrets("https://rpc.x/v1/k3yS3cr3tPathToken0123456789")).toEqual(["k3yS3cr3tPathToken0123456789"]);
    expect(urlSecrets("https://rpc.x/soroban/mainnet/v1")).toEqual([]);
    // A database's name is no key, and errors about it must name it.
    expect(urlSecrets("postgresql://127.0.0.1:5432/st_secret_0123456789abcdef")).toEqual([]);
  });

  it("tells keys from route words", () => {
    for (const key of ["k3yS3cr3tPathToken0123456789", "3f2a9c0d4b5e6f708192a3b4c5d6e7f8", "123456789012345678", "AbCdEfGhIjKlMnOpQr"]) expect(looksLikeKey(key), key).toBe(true);
    for (const word of ["v1", "soroban", "mainnet", "soroban-rpc-testnet", "stellar_soroban_mainnet", "k3yShort1"]) expect(looksLikeKey(word), word).toBe(false);
  });
});

describe("redactSecrets", () => {
  it("masks every occurrence, longest secret first, and percent-encoded forms", () => {
    expect(redactSecrets("key=abc123 again abc123", ["abc123"])).toBe("key=*** again ***");
    expect(redactSecrets("token abcdef", ["abc", "abcdef"])).toBe("token ***");
    expect(redactSecrets("sent p%40ss", ["p@ss"])).toBe("sent ***");
  });

  it("ignores empty and very short secrets", () => {
    expect(redactSecrets("nothing here", ["", "zzzz"])).toBe("nothing here");
    expect(redactSecrets("x=y apikey", ["y"])).toBe("x=y apikey");
  });
});
