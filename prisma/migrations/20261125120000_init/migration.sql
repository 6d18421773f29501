-- CreateEnum
CREATE TYPE "token_status" AS ENUM ('BONDING', 'GRADUATED', 'GRADUATION_FAILED');

-- CreateEnum
CREATE TYPE "discovery_source" AS ENUM ('EVENTS', 'STORAGE', 'MANUAL');

-- CreateEnum
CREATE TYPE "creator_source" AS ENUM ('DATABASE', 'CONFIG', 'ENV', 'TOKEN', 'EVENT');

-- CreateEnum
CREATE TYPE "run_outcome" AS ENUM ('RUNNING', 'SUCCEEDED', 'PARTIAL', 'FAILED');

-- CreateTable
CREATE TABLE "tokens" (
    "address" VARCHAR(56) NOT NULL,
    "contract_id" VARCHAR(56) NOT NULL,
    "onchain_id" BIGINT NOT NULL,
    "creator" VARCHAR(56) NOT NULL,
    "name" TEXT NOT NULL,
    "symbol" TEXT NOT NULL,
    "image_url" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "status" "token_status" NOT NULL,
    "total_supply" DECIMAL(39,0) NOT NULL,
    "tokens_sold" DECIMAL(39,0) NOT NULL,
    "tokens_remaining" DECIMAL(39,0) NOT NULL,
    "xlm_reserve" DECIMAL(39,0) NOT NULL,
    "curve_k" DECIMAL(39,0) NOT NULL,
    "xlm_raised" DECIMAL(39,0) NOT NULL,
    "market_cap" DECIMAL(39,0) NOT NULL,
    "holders_count" BIGINT NOT NULL,
    "created_at" DECIMAL(20,0) NOT NULL,
    "discovered_via" "discovery_source" NOT NULL,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_synced_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_synced_ledger" BIGINT NOT NULL,

    CONSTRAINT "tokens_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "creators" (
    "address" VARCHAR(56) NOT NULL,
    "source" "creator_source" NOT NULL DEFAULT 'DATABASE',
    "token_count" INTEGER NOT NULL DEFAULT 0,
    "first_seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_scanned_at" TIMESTAMPTZ(3),

    CONSTRAINT "creators_pkey" PRIMARY KEY ("address")
);

-- CreateTable
CREATE TABLE "sync_state" (
    "contract_id" VARCHAR(56) NOT NULL,
    "network_passphrase" TEXT NOT NULL,
    "last_ledger" BIGINT NOT NULL,
    "event_cursor" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "sync_state_pkey" PRIMARY KEY ("contract_id")
);

-- CreateTable
CREATE TABLE "sync_runs" (
    "id" BIGSERIAL NOT NULL,
    "contract_id" VARCHAR(56) NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finished_at" TIMESTAMPTZ(3),
    "trigger" TEXT NOT NULL,
    "outcome" "run_outcome" NOT NULL DEFAULT 'RUNNING',
    "found_events" INTEGER NOT NULL DEFAULT 0,
    "found_storage" INTEGER NOT NULL DEFAULT 0,
    "found_manual" INTEGER NOT NULL DEFAULT 0,
    "synced" INTEGER NOT NULL DEFAULT 0,
    "unchanged" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "missing" INTEGER NOT NULL DEFAULT 0,
    "from_ledger" BIGINT,
    "to_ledger" BIGINT,
    "error" TEXT,

    CONSTRAINT "sync_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "tokens_creator_idx" ON "tokens"("creator");

-- CreateIndex
CREATE INDEX "tokens_created_at_idx" ON "tokens"("created_at");

-- CreateIndex
CREATE INDEX "tokens_market_cap_idx" ON "tokens"("market_cap");

-- CreateIndex
CREATE INDEX "tokens_status_idx" ON "tokens"("status");

-- CreateIndex
CREATE UNIQUE INDEX "tokens_contract_id_onchain_id_key" ON "tokens"("contract_id", "onchain_id");

-- CreateIndex
CREATE INDEX "sync_runs_contract_id_started_at_idx" ON "sync_runs"("contract_id", "started_at");
