import { describe, expect, it } from "vitest";
import { redactSecrets, redactUrl, urlSecrets } from "../src/redact.ts";

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
