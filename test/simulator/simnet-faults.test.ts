// Fault injection, latency and connection handling of the simnet's HTTP server.

import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpc } from "@stellar/stellar-sdk";
import { startSimnet, type FaultKind, type Simnet } from "../simnet/index.ts";

let sn: Simnet;
const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getHealth" });
const post = (url: string, init: RequestInit = {}) => fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body, ...init });

beforeAll(async () => {
  sn = await startSimnet({ scenario: { seed: 9, tokens: 8, creators: 3 } });
});
afterAll(async () => {
  await sn.close();
});

function only(kind: FaultKind, extra: Partial<{ slowMs: number; methods: string[] }> = {}) {
  sn.setFaults({ rate: 1, kinds: [kind], ...extra });
}

describe("fault kinds", () => {
  it("http429 carries Retry-After: 1", async () => {
    only("http429");
    const res = await post(sn.url);
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("1");
    sn.setFaults(undefined);
  });

  it.each([
    ["http503", 503],
    ["http504", 504],
  ] as const)("%s answers HTTP %i", async (kind, status) => {
    only(kind);
    expect((await post(sn.url)).status).toBe(status);
    sn.setFaults(undefined);
  });

  it.each([
    ["rpc32001", -32001],
    ["rpc32003", -32003],
  ] as const)("%s is a JSON-RPC error %i with HTTP 200", async (kind, code) => {
    only(kind);
    const res = await post(sn.url);
    expect(res.status).toBe(200);
    const json: any = await res.json();
    expect(json.error.code).toBe(code);
    expect(json.id).toBe(1);
    sn.setFaults(undefined);
  });

  it("truncated is a 200 whose body is a strict prefix of the real answer", async () => {
    const full = await (await post(sn.url)).text();
    only("truncated");
    const res = await post(sn.url);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.length).toBeLessThan(full.length);
    expect(full.startsWith(text)).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
    sn.setFaults(undefined);
  });

  it("reset destroys the connection", async () => {
    only("reset");
    await expect(post(sn.url)).rejects.toThrow();
    sn.setFaults(undefined);
    expect((await post(sn.url)).status).toBe(200); // and the server carries on
  });

  it("hang never answers: the client's timeout fires", async () => {
    only("hang");
    const t0 = Date.now();
    await expect(post(sn.url, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    sn.setFaults(undefined);
  });

  it("slow answers correctly after slowMs", async () => {
    only("slow", { slowMs: 250 });
    const t0 = Date.now();
    const json: any = await (await post(sn.url)).json();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(240);
    expect(json.result.status).toBe("healthy");
    sn.setFaults(undefined);
  });

  it("the SDK surfaces faults (it retries nothing)", async () => {
    only("http503");
    const server = new rpc.Server(sn.url, { allowHttp: true });
    await expect(server.getHealth()).rejects.toThrow();
    sn.setFaults(undefined);
    await expect(server.getHealth()).resolves.toMatchObject({ status: "healthy" });
  });
});

describe("fault selection", () => {
  it("counts faulted requests too", async () => {
    sn.resetCounters();
    only("http503");
    await post(sn.url);
    await post(sn.url);
    sn.setFaults(undefined);
    await post(sn.url);
    expect(sn.counters()).toEqual({ getHealth: 3 });
  });

  it("`methods` restricts faults to those methods", async () => {
    sn.setFaults({ rate: 1, kinds: ["http503"], methods: ["getEvents"] });
    expect((await post(sn.url)).status).toBe(200);
    const ev = await fetch(sn.url, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "getEvents", params: { startLedger: sn.chain.latestLedger } }) });
    expect(ev.status).toBe(503);
    sn.setFaults(undefined);
  });

  it("the same seed gives the same fault sequence; rate is roughly honoured", async () => {
    const outcome = async () => {
      const out: string[] = [];
      for (let i = 0; i < 60; i++) {
        try {
          const r = await post(sn.url, { signal: AbortSignal.timeout(2000) });
          const text = await r.text();
          out.push(r.status === 200 ? (text.includes('"error"') ? "rpcerr" : text.endsWith("}") ? "ok" : "cut") : String(r.status));
        } catch {
          out.push("reset");
        }
      }
      return out;
    };
    sn.setFaults({ rate: 0.5, seed: 42, kinds: ["http429", "http503", "rpc32001", "truncated", "reset"] });
    const a = await outcome();
    sn.setFaults({ rate: 0.5, seed: 42, kinds: ["http429", "http503", "rpc32001", "truncated", "reset"] });
    const b = await outcome();
    sn.setFaults(undefined);
    expect(a).toEqual(b);
    const faulted = a.filter((x) => x !== "ok").length;
    expect(faulted).toBeGreaterThan(15);
    expect(faulted).toBeLessThan(45);
    expect(new Set(a).size).toBeGreaterThanOrEqual(4);
  });
});

describe("latency and connections", () => {
  it("latencyMs delays every response; setLatency changes it", async () => {
    sn.setLatency(300);
    let t0 = Date.now();
    await (await post(sn.url)).text();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
    sn.setLatency(0);
    t0 = Date.now();
    await (await post(sn.url)).text();
    expect(Date.now() - t0).toBeLessThan(290);
  });

  it("keeps connections alive between requests", async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const once = () =>
      new Promise<boolean>((resolve, reject) => {
        const req = http.request(sn.url, { method: "POST", agent, headers: { "Content-Type": "application/json" } }, (res) => {
          res.resume();
          res.on("end", () => resolve(req.reusedSocket));
        });
        req.on("error", reject);
        req.end(body);
      });
    expect(await once()).toBe(false);
    expect(await once()).toBe(true);
    expect(await once()).toBe(true);
    agent.destroy();
  });

  it("close() ends hanging requests and returns promptly", async () => {
    const local = await startSimnet({ scenario: { tokens: 2, creators: 1 }, faults: { rate: 1, kinds: ["hang"] } });
    const pending = post(local.url).then(
      () => "answered",
      () => "failed",
    );
    await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    await local.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(await pending).toBe("failed");
  });
});
