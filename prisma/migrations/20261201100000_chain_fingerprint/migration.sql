-- The RPC's event cursor was stored but never read: a run resumes from last_ledger. The hash of last_ledger is
-- the chain's fingerprint: a reset chain with the same passphrase and contract id has another hash there.
ALTER TABLE "sync_state" DROP COLUMN "event_cursor";
ALTER TABLE "sync_state" ADD COLUMN "last_ledger_hash" VARCHAR(64);
