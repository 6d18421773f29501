// The embedded database's process lock (src/store/file-lock.ts) under contention: processes that start
// at the same instant, on a free lock or on a stale one left by a killed process, never hold it together; and a
// lock left by a killed process whose pid is now someone else's (or this process's own) is known to be stale.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { acquireFileLock } from "../../src/store/file-lock.ts";

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sync-tokens-lock-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const contender = path.resolve(import.meta.dirname, "../support/lock-contender.ts");

/** A pid that no process has: a child that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise((resolve) => child.on("close", resolve));
  return child.pid!;
}

async function contend(file: string, processes: number): Promise<{ holds: [number, number][]; busy: string[] }> {
  // Each contender says when it has loaded; the start instant is set once all have (however slow the machine).
  const children = Array.from({ length: processes }, () =>
    spawn(process.execPath, ["--import", "tsx", contender, file], { stdio: ["ignore", "ignore", "inherit"] }),
  );
  const ready = () => (fs.existsSync(`${file}.ready`) ? fs.readFileSync(`${file}.ready`, "utf8").split("\n").filter(Boolean).length : 0);
  while (ready() < processes) await new Promise((r) => setTimeout(r, 20));
  fs.writeFileSync(`${file}.go.tmp`, String(Date.now() + 100));
  fs.renameSync(`${file}.go.tmp`, `${file}.go`);
  await Promise.all(children.map((c) => new Promise((resolve) => c.on("close", resolve))));
  for (const f of [`${file}.ready`, `${file}.go`]) fs.rmSync(f, { force: true });
  const lines = fs.readFileSync(`${file}.log`, "utf8").trim().split("\n");
  expect(lines).toHaveLength(processes);
  return {
    holds: lines.filter((l) => l.startsWith("got ")).map((l) => l.split(" ").slice(1).map(Number) as [number, number]),
    busy: lines.filter((l) => l.startsWith("busy ")),
  };
}

function overlapping(holds: [number, number][]): boolean {
  return holds.some((a, i) => holds.some((b, j) => i !== j && a[0] < b[1] && b[0] < a[1]));
}

describe("the embedded database's lock file", () => {
  it("processes starting at the same instant on a stale lock (its owner was killed): exactly one takes it over", async () => {
    for (let trial = 0; trial < 2; trial++) {
      const file = path.join(dir, `stale-${trial}.lock`);
      fs.writeFileSync(file, String(await deadPid()));
      const { holds, busy } = await contend(file, 4);
      expect(overlapping(holds), `trial ${trial}: two processes held the lock at once`).toBe(false);
      expect(holds, `trial ${trial}`).toHaveLength(1);
      for (const line of busy) expect(line).toMatch(/held by pid \d+|being taken over by pid \d+/);
      expect(fs.existsSync(file), "released").toBe(false);
      expect(fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(file)) && !f.endsWith(".log"))).toEqual([]);
    }
  }, 60_000);

  it("releasing does not remove a lock another process has taken since", async () => {
    const file = path.join(dir, "release.lock");
    const lock = acquireFileLock(file);
    const other = await deadPid();
    fs.writeFileSync(file, String(other)); // as if another process had taken it over
    lock.release();
    expect(fs.readFileSync(file, "utf8")).toBe(String(other));
  });

  it("a live owner's lock is never taken; a dead owner's is, and an abandoned takeover does not block", async () => {
    const file = path.join(dir, "owner.lock");
    fs.writeFileSync(file, String(process.ppid));
    expect(() => acquireFileLock(file)).toThrow(new RegExp(`held by pid ${process.ppid}`));
    fs.writeFileSync(file, String(await deadPid()));
    fs.writeFileSync(`${file}.takeover`, String(await deadPid()));
    const lock = acquireFileLock(file);
    expect(fs.readFileSync(file, "utf8")).toMatch(new RegExp(`^${process.pid}( |$)`));
    expect(fs.existsSync(`${file}.takeover`)).toBe(false);
    lock.release();
    expect(fs.existsSync(file)).toBe(false);
  });

  it("pid reuse: a lock naming this pid (a killed previous incarnation's) or a live pid that started at another instant is stale; one held in this process is not", () => {
    const boot = fs.readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const file = path.join(dir, "reuse.lock");
    for (const left of [String(process.pid), `${process.pid} 1 ${boot}`, `${process.ppid} 1 ${boot}`, `${process.ppid} ${startTicks(process.ppid)} another-boot`]) {
      fs.writeFileSync(file, left);
      const lock = acquireFileLock(file);
      expect(fs.readFileSync(file, "utf8"), left).toBe(`${process.pid} ${startTicks(process.pid)} ${boot}`);
      expect(() => acquireFileLock(file), "opened twice in one process").toThrow(`held by pid ${process.pid}`);
      lock.release();
    }
    // The parent, recorded with its real start time, is alive: its lock stays.
    fs.writeFileSync(file, `${process.ppid} ${startTicks(process.ppid)} ${boot}`);
    expect(() => acquireFileLock(file)).toThrow(`held by pid ${process.ppid}`);
  });
});

/** Field 22 of /proc/<pid>/stat, read here independently of the module under test. */
function startTicks(pid: number): string {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 1).trim().split(/\s+/)[19]!;
}
