-- Market data (issue 22): one row per buy or sell of the factory's tokens, keyed by stellar-rpc's event id, and the
-- ledgers of each token's launch and graduation. Amounts are stroops, exact (NUMERIC(39,0), as on tokens).
CREATE TYPE "trade_side" AS ENUM ('BUY', 'SELL');

CREATE TABLE "trades" (
    "contract_id" VARCHAR(56) NOT NULL,
    "event_id" VARCHAR(32) NOT NULL,
    "token" VARCHAR(56) NOT NULL,
    "ledger" BIGINT NOT NULL,
    "closed_at" TIMESTAMPTZ(3) NOT NULL,
    "tx_hash" VARCHAR(64) NOT NULL,
    "side" "trade_side" NOT NULL,
    "trader" VARCHAR(56) NOT NULL,
    "xlm_amount" DECIMAL(39,0) NOT NULL,
    "token_amount" DECIMAL(39,0) NOT NULL,
    "fee" DECIMAL(39,0),
    "price_before" DECIMAL(39,0),
    "price_after" DECIMAL(39,0),
    "price" DECIMAL(80,40),

    CONSTRAINT "trades_pkey" PRIMARY KEY ("contract_id","event_id")
);

-- "price" is xlm_amount / token_amount (XLM per whole token), divided once at insert, exactly to 40 decimals: candles
-- aggregate it instead of dividing every trade on every read. NULL for a trade of zero tokens.
-- A token's trades page by event id (keyset) and its candles read a time range.
CREATE INDEX "trades_token_event_id_idx" ON "trades"("token", "event_id");
CREATE INDEX "trades_token_closed_at_idx" ON "trades"("token", "closed_at");
-- The last 24 h of a contract's trades, for the token list sorted by volume.
CREATE INDEX "trades_contract_id_closed_at_idx" ON "trades"("contract_id", "closed_at");

-- Ledger ranges whose trades were never read (the sync was away longer than the RPC's retention window).
CREATE TABLE "trade_holes" (
    "contract_id" VARCHAR(56) NOT NULL,
    "from_ledger" BIGINT NOT NULL,
    "to_ledger" BIGINT NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "trade_holes_pkey" PRIMARY KEY ("contract_id","from_ledger")
);

ALTER TABLE "tokens" ADD COLUMN "launch_ledger" BIGINT,
ADD COLUMN "graduated_at" TIMESTAMPTZ(3),
ADD COLUMN "graduated_ledger" BIGINT;
