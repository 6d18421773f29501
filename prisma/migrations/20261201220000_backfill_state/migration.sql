-- The history backfill's own cursor, one row per contract: the range asked for and the next ledger to read.
-- A rerun with the same first ledger continues from next_ledger; the event sync's sync_state is not touched.
CREATE TABLE "backfill_state" (
    "contract_id" VARCHAR(56) NOT NULL,
    "network_passphrase" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "from_ledger" BIGINT NOT NULL,
    "to_ledger" BIGINT NOT NULL,
    "next_ledger" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "backfill_state_pkey" PRIMARY KEY ("contract_id")
);
