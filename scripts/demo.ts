// `pnpm demo`: starts the simulated Stellar network with a few hundred tokens, then runs the real
// CLI against it into an embedded database (.data/demo): a first run, a run with CREATOR_ADDRESS
// for creators whose tokens are all older than the RPC's event window, and, after the chain moves
// on, an incremental run.
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { packageRoot } from "../src/paths.ts";
import { startSimnet } from "../test/simnet/index.ts";
import { buildDist } from "./build.ts";

const dataDir = path.join(packageRoot, ".data", "demo");
const bin = path.join(packageRoot, "scripts", "sync-tokens.mjs");

function heading(text: string): void {
  process.stdout.write(`\n\x1b[1m== ${text}\x1b[0m\n\n`);
}

function runCli(env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin], { stdio: "inherit", env: { ...process.env, ...env } });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

// The bin runs dist/: build it from the sources as they are now.
const build = await buildDist();
if (!build.ok) console.error(build.output);
fs.rmSync(dataDir, { recursive: true, force: true });
fs.rmSync(`${dataDir}.lock`, { force: true });
const sim = await startSimnet({ scenario: { seed: 2026, tokens: 300, creators: 60 } });
const env = {
  RPC_URL: sim.url,
  NETWORK_PASSPHRASE: sim.networkPassphrase,
  CONTRACT_ID: sim.contractId,
  PGLITE_DATA_DIR: dataDir,
  DATABASE_URL: "",
  CREATOR_ADDRESS: "",
  SYNC_TRIGGER: "demo",
};
const dormant = sim.chain.dormantCreators();
const expected: Array<[string, number, number]> = [];
try {
  process.stdout.write(
    `Simulated network at ${sim.url}: ${sim.chain.tokens.length} tokens by ${sim.chain.creators.length} creators over ledgers ` +
      `${sim.scenario.firstLedger}..${sim.chain.latestLedger}; the RPC keeps events from ledger ${sim.chain.oldestLedger} on.\n` +
      `${dormant.length} creators launched only before that window: nothing on the network points at their tokens any more.\n`,
  );

  heading("1. First run: events and storage (exit 2: some tokens are only reachable through their creators)");
  expected.push(["first run", await runCli(env), 2]);

  heading(`2. CREATOR_ADDRESS=<${dormant.length} creators>: the manual strategy finds the rest (exit 0)`);
  expected.push(["run with CREATOR_ADDRESS", await runCli({ ...env, CREATOR_ADDRESS: dormant.join(",") }), 0]);

  const bonding = sim.chain.tokens.filter((t) => t.status === "Bonding");
  sim.chain.advance(120);
  const fresh = sim.chain.launchToken({ name: "Demo Launch 🚀", symbol: "DEMO" });
  sim.chain.buy(bonding[0]!, 5_000_000_000n);
  sim.chain.buy(fresh, 1_000_000_000n);
  sim.chain.sell(bonding[1]!, 10_000_000_000_000n);
  sim.chain.advance(12);
  heading("3. The chain moved on (1 launch, 3 trades): an incremental run reads only those tokens");
  expected.push(["incremental run", await runCli(env), 0]);
} finally {
  await sim.close();
}

const wrong = expected.filter(([, got, want]) => got !== want);
for (const [name, got, want] of wrong) process.stderr.write(`demo: ${name} exited ${got}, expected ${want}\n`);
process.stdout.write(`\nThe demo's database is in ${path.relative(process.cwd(), dataDir) || dataDir}.\n`);
process.exit(wrong.length === 0 ? 0 : 1);
