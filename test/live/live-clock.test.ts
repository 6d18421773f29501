// The follower's poll schedule (LedgerClock) on a simulated timeline: it learns the interval between ledgers
// and their phase, so each ledger is seen a small margin after it appears, whatever it assumed at first.
import { describe, expect, it } from "vitest";
import { LedgerClock } from "../../src/live/ledger-clock.ts";

/** Runs a follower's poll loop against ledgers appearing every `intervalMs(n)` from `phaseMs`; returns each ledger's detection delay. */
function simulate(clock: LedgerClock, time: { now: number }, ledgers: number, interval: (n: number) => number, phaseMs: number, pollCostMs = 5): number[] {
  const appearsAt: number[] = [];
  let t = phaseMs;
  for (let n = 0; n <= ledgers; n++) {
    appearsAt.push(t);
    t += interval(n);
  }
  const latestAt = (now: number) => appearsAt.filter((a) => a <= now).length - 1;
  const delays: number[] = [];
  let seen = latestAt(time.now);
  while (seen < ledgers) {
    time.now += pollCostMs;
    const latest = latestAt(time.now);
    clock.observe(latest);
    if (latest > seen) {
      for (let n = seen + 1; n <= latest; n++) delays.push(time.now - appearsAt[n]!);
      seen = latest;
    }
    time.now += clock.nextPollInMs();
  }
  return delays;
}

describe("LedgerClock", () => {
  it("learns 1-second ledgers from its 5-second assumption and then sees each one shortly after it appears", () => {
    const time = { now: 1000 };
    const clock = new LedgerClock(undefined, () => time.now);
    const delays = simulate(clock, time, 40, () => 1000, 1370);
    expect(Math.abs(clock.ledgerMs - 1000)).toBeLessThan(50);
    // After a few ledgers: within one retry step (50 ms) and the poll's own cost.
    for (const d of delays.slice(10)) expect(d).toBeLessThanOrEqual(60);
  });

  it("follows a change of pace, slower then faster", () => {
    const time = { now: 0 };
    const clock = new LedgerClock(undefined, () => time.now);
    const delays = simulate(clock, time, 90, (n) => (n < 30 ? 1000 : n < 60 ? 2000 : 500), 200);
    // Slower: learnt from the polls that missed; within two steps (2 x 100 ms) once it has.
    for (const d of delays.slice(45, 60)) expect(d).toBeLessThanOrEqual(200);
    // Faster: several ledgers per poll shorten the interval at once.
    expect(clock.ledgerMs).toBeLessThan(700);
    for (const d of delays.slice(80)) expect(d).toBeLessThanOrEqual(200);
  });

  it("polls at the fixed interval when one is given", () => {
    const clock = new LedgerClock(750, () => 0);
    clock.observe(5);
    clock.observe(6);
    expect(clock.nextPollInMs()).toBe(750);
  });
});
