// Unit and property tests for the redaction helpers the secrets end-to-end test relies on: URLs that hide
// their user-info where it is not expected (opaque "scheme:" forms, strings that do not parse at all).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { redactSecrets, redactUnparsedUrl, redactUrl, urlSecrets } from "../../src/internal/redact.ts";

describe("redactUrl on opaque URLs", () => {
  it("keeps only the scheme of a URL without //, whose path is where user-info and keys went", () => {
    expect(redactUrl("apikey:S3CRET@rpc.example.com/")).toBe("apikey:***");
    expect(redactUrl("user:pass@host")).toBe("user:***");
    expect(redactUrl("localhost:8000")).toBe("localhost:***");
  });

  it("leaves hierarchical URLs without a host to the usual rules", () => {
    expect(redactUrl("postgres:///db?password=pw&host=/tmp")).toBe("postgres:///db?password=***&host=***");
  });

  it("urlSecrets lists an opaque URL's path", () => {
    expect(urlSecrets("apikey:S3CRET@rpc.example.com/")).toContain("S3CRET@rpc.example.com/");
  });
});

describe("redactUnparsedUrl", () => {
  it("shows what is wrong, masking where credentials ride", () => {
    expect(redactUnparsedUrl("not a url")).toBe("not a url");
    expect(redactUnparsedUrl(" soroban-testnet.stellar.org ")).toBe("soroban-testnet.stellar.org");
    expect(redactUnparsedUrl("rpc.example.com/?apikey=K3y&x#frag")).toBe("rpc.example.com/?apikey=***&***#***");
    expect(redactUnparsedUrl("alice:Pa55 w0rd@host/x")).toBe("***@host/x");
    expect(redactUnparsedUrl("https://al ice:pw@host/x")).toBe("https://***@host/x");
    expect(redactUnparsedUrl("http//u:p@h/?a=b")).toBe("***@h/?a=***");
  });

  it("replaces non-printable characters and bounds the length", () => {
    expect(redactUnparsedUrl("x\x1b[31m y")).toBe("x?[31m y");
    expect(redactUnparsedUrl("a ".repeat(100))).toHaveLength(100);
  });
});

// Secrets made of characters that survive or need percent-encoding alike; every one holds "s3cr3t".
const secret = fc
  .tuple(fc.string({ unit: fc.constantFrom(..."abcXYZ019-._~!$&'()*+,;=:@/?# %é"), minLength: 0, maxLength: 12 }), fc.constantFrom("s3cr3t", "S3CR3T"))
  .map(([noise, marker]) => `${noise.slice(0, 6)}${marker}${noise.slice(6)}`);

describe("redaction under fuzzing", () => {
  it("redactUrl never shows user-info or a query value, raw or percent-encoded", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("https", "http", "postgresql", "ftp"),
        fc.option(secret, { nil: undefined }),
        fc.option(secret, { nil: undefined }),
        fc.array(fc.tuple(fc.stringMatching(/^[a-z_]{1,8}$/), secret), { maxLength: 3 }),
        fc.option(secret, { nil: undefined }),
        (scheme, user, password, query, fragment) => {
          const userinfo = user === undefined && password === undefined ? "" : `${encodeURIComponent(user ?? "")}${password === undefined ? "" : `:${encodeURIComponent(password)}`}@`;
          const search = query.length ? `?${query.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join("&")}` : "";
          const url = `${scheme}://${userinfo}rpc.example.com:8443/v1/${search}${fragment === undefined ? "" : `#${encodeURIComponent(fragment)}`}`;
          const out = redactUrl(url);
          expect(out).not.toMatch(/s3cr3t/i);
          expect(out).toContain("rpc.example.com:8443/v1/");
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("redactSecrets with urlSecrets masks every secret of the URL inside any text", () => {
    fc.assert(
      fc.property(secret, secret, fc.string(), (password, key, around) => {
        const url = `https://user:${encodeURIComponent(password)}@rpc.example.com/?apikey=${encodeURIComponent(key)}`;
        const text = `${around} ${password} ${around} ${encodeURIComponent(key)} ${url} ${key}`;
        expect(redactSecrets(text, urlSecrets(url))).not.toMatch(/s3cr3t/i);
      }),
      { numRuns: 2000 },
    );
  });

  it("redactUnparsedUrl never shows user-info or a query value", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z .:/]{0,12}$/), secret, secret, (prefix, user, key) => {
        const text = `${prefix}${user.replace(/[@?#]/g, "")}@rpc example com/?k=${key.replace(/[#&]/g, "")}`;
        expect(redactUnparsedUrl(text)).not.toMatch(/s3cr3t/i);
      }),
      { numRuns: 2000 },
    );
  });
});
