-- The HTTP API lists one contract's tokens sorted by market cap, XLM raised or holders and pages by keyset
-- (value, address): each sort gets an index that serves the filter, the order and the page boundary at once.
-- "created" pages on the existing unique (contract_id, onchain_id): ids are assigned in launch order.
CREATE INDEX "tokens_contract_id_market_cap_address_idx" ON "tokens"("contract_id", "market_cap", "address");
CREATE INDEX "tokens_contract_id_xlm_raised_address_idx" ON "tokens"("contract_id", "xlm_raised", "address");
CREATE INDEX "tokens_contract_id_holders_count_address_idx" ON "tokens"("contract_id", "holders_count", "address");
