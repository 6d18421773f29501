// Where a run's event scan starts: after the stored cursor, unless the chain was reset (the stored rows belong to a
// chain that no longer exists), the RPC lags behind the last run, or the ledgers since fell out of its window.
import { MAX_KEYS_PER_REQUEST } from "../contract/factory.ts";
import type { SyncStateRow } from "../store/token-store.ts";
import type { Known, RunContext } from "./types.ts";

/**
 * A stored cursor this far ahead of the RPC's latest ledger means the network was reset; less is
 * an RPC lagging behind (e.g. after switching providers), which is only waited out.
 */
const RESET_MARGIN_LEDGERS = 1000;
/**
 * An RPC this many ledgers behind the stored cursor is worth a warning (a stale provider); less is load-balanced
 * nodes lagging each other, which only means that the pass has nothing to read yet.
 */
const LAG_WARNING_LEDGERS = 60;

export interface EventWindow {
  /** The first ledger to scan. */
  from: number;
  /** The stored rows must be read again: a first run, --full, or a gap (else the scan follows on from the cursor). */
  fresh: boolean;
  /** Ledgers after the cursor that left the RPC's window unread (a gap): a hole in the trades. */
  missed: [number, number] | null;
}

/**
 * This run's event window. After a reset the contract's rows are removed (outside a dry run) and `known` is
 * emptied; `warn` records what the run's report must say.
 */
export async function eventWindow(ctx: RunContext, known: Known, warn: (message: string) => void): Promise<EventWindow> {
  const { config, store, latestLedger, oldestLedger } = ctx;
  let state = await store.loadState();
  const reset = state && (await detectReset(ctx, state, known));
  if (reset) {
    // The rows describe tokens of a chain that no longer exists: start this contract afresh.
    const removed = config.dryRun ? 0 : await store.resetContract();
    warn(`network reset: ${reset}; starting this contract's sync afresh${removed ? ` (removed ${removed} tokens of the old chain)` : ""}`);
    known.clear();
    state = null;
  } else if (state && state.lastLedger > latestLedger) {
    // A node behind the one the last pass read (load balancers, or a slower provider): nothing to read yet.
    const behind = state.lastLedger - latestLedger;
    const say = `the RPC is ${behind} ledgers behind the last run: nothing new to read from it yet`;
    if (behind >= LAG_WARNING_LEDGERS) warn(say);
    else ctx.logger.info(say);
  }
  let from = state && !config.full ? state.lastLedger + 1 : oldestLedger;
  let missed: [number, number] | null = null;
  if (from < oldestLedger) {
    missed = [from, oldestLedger - 1];
    warn(
      `events from ledger ${from} to ${oldestLedger - 1} were missed: they fell out of the RPC's retention window; every known creator is rescanned to cover the gap, and their trades are recorded as a hole (GET /api/status)`,
    );
    from = oldestLedger;
  }
  return { from, fresh: !state || config.full || missed !== null, missed };
}

/**
 * Why the stored state belongs to a chain that no longer exists, or null. Testnet resets keep the passphrase,
 * and a deterministic redeploy keeps the contract id, so the passphrase alone cannot tell.
 */
async function detectReset(ctx: RunContext, state: SyncStateRow, known: Known): Promise<string | null> {
  const { config, latestLedger, oldestLedger, tokenCount, reader } = ctx;
  if (state.networkPassphrase !== config.networkPassphrase) return `the stored cursor belongs to network "${state.networkPassphrase}"`;
  if (state.lastLedger > latestLedger + RESET_MARGIN_LEDGERS) {
    return `the stored cursor (ledger ${state.lastLedger}) is ahead of the chain (ledger ${latestLedger})`;
  }
  if (state.lastLedgerHash && state.lastLedger >= oldestLedger && state.lastLedger <= latestLedger) {
    const hash = await reader.getLedgerHash(state.lastLedger);
    if (hash !== null && hash !== state.lastLedgerHash) return `ledger ${state.lastLedger} has another hash than when it was read`;
    if (hash !== null) return null;
  }
  // No fingerprint to compare (out of the window, a node behind it, or an RPC without getLedgers). The contract
  // never deletes a token, so the stored tokens must still exist. A count below the stored rows alone proves
  // nothing: a load-balanced node behind the last run counts fewer.
  const sample = sampleOf([...known.keys()], MAX_KEYS_PER_REQUEST);
  const inWindow = state.lastLedger >= oldestLedger;
  const fewer = tokenCount < known.size;
  if (sample.length > 0 && (!inWindow || fewer || reader.servesLedgers === false)) {
    const present = await reader.existingTokenEntries(sample);
    if (present.size === 0) {
      return fewer
        ? `the contract reports ${tokenCount} tokens, fewer than the ${known.size} stored, and none of ${sample.length} stored tokens exists on the chain any more`
        : `none of ${sample.length} stored tokens exists on the chain any more`;
    }
  } else if (inWindow && reader.servesLedgers === false) {
    ctx.logger.info("reset check skipped: the RPC serves no getLedgers (no ledger hash to compare) and no token is stored yet");
  }
  return null;
}

/** Up to `n` items spread evenly over the list. */
function sampleOf<T>(items: T[], n: number): T[] {
  if (items.length <= n) return items;
  return Array.from({ length: n }, (_, i) => items[Math.floor((i * items.length) / n)]!);
}
