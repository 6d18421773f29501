-- The leader's lease (issue 19): an advisory lock proves only that a connection is open, so the process that
-- follows a contract also keeps this row's deadline ahead of the clock while it makes progress. A standby takes
-- over once the deadline has passed; every write of the leader checks, in its own transaction, that the epoch is
-- still the one it claimed (fencing).
CREATE TABLE "sync_leases" (
    "contract_id" VARCHAR(56) NOT NULL,
    "holder" VARCHAR(100) NOT NULL,
    "epoch" BIGINT NOT NULL,
    "deadline" TIMESTAMPTZ(3) NOT NULL,
    "acquired_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "renewed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_leases_pkey" PRIMARY KEY ("contract_id")
);
