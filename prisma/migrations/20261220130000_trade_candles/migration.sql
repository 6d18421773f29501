-- Hourly candles rolled up as trades are stored (issue 22): one row per token and hour (date_bin from the epoch, as
-- the read query buckets), so that a chart reads one row per hour instead of every trade in its range; 4h and 1d
-- candles are sums of these rows (their buckets are whole hours), shorter ones are aggregated from the trades. Only
-- hourly: a row per trade and interval made storing a busy window's trades cost twice the sync without them.
-- A statement trigger over the inserted rows (a transition table: an ON CONFLICT repeat is not in it) keeps them, in
-- the transaction that stores the trades, whichever path stores them (sync, follower, backfill). Open and close are
-- the prices of the first and last priced trade by event id; first_id/last_id let a later insert into the same
-- bucket (a backfill of older ledgers) take the open or the close over.
CREATE TABLE "trade_candles" (
    "contract_id" VARCHAR(56) NOT NULL,
    "token" VARCHAR(56) NOT NULL,
    "interval_s" INTEGER NOT NULL,
    "bucket" TIMESTAMPTZ(3) NOT NULL,
    "first_id" VARCHAR(32),
    "last_id" VARCHAR(32),
    "open" DECIMAL(80,40),
    "close" DECIMAL(80,40),
    "high" DECIMAL(80,40),
    "low" DECIMAL(80,40),
    "volume_xlm" DECIMAL(60,0) NOT NULL,
    "volume_tokens" DECIMAL(60,0) NOT NULL,
    "trades" INTEGER NOT NULL,

    CONSTRAINT "trade_candles_pkey" PRIMARY KEY ("contract_id","token","interval_s","bucket")
);

CREATE FUNCTION "trade_candles_roll_up"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO trade_candles AS c (contract_id, token, interval_s, bucket, first_id, last_id, open, close, high, low, volume_xlm, volume_tokens, trades)
  SELECT n.contract_id, n.token, i.secs, date_bin(make_interval(secs => i.secs), n.closed_at, to_timestamp(0)),
         min(n.event_id) FILTER (WHERE n.price IS NOT NULL), max(n.event_id) FILTER (WHERE n.price IS NOT NULL),
         (array_agg(n.price ORDER BY n.event_id) FILTER (WHERE n.price IS NOT NULL))[1],
         (array_agg(n.price ORDER BY n.event_id DESC) FILTER (WHERE n.price IS NOT NULL))[1],
         max(n.price), min(n.price), sum(n.xlm_amount), sum(n.token_amount), count(*)::int
  FROM new_trades n CROSS JOIN (VALUES (3600)) AS i(secs)
  GROUP BY 1, 2, 3, 4
  ON CONFLICT (contract_id, token, interval_s, bucket) DO UPDATE SET
    first_id = CASE WHEN c.first_id IS NULL OR excluded.first_id < c.first_id THEN excluded.first_id ELSE c.first_id END,
    open = CASE WHEN c.first_id IS NULL OR excluded.first_id < c.first_id THEN excluded.open ELSE c.open END,
    last_id = CASE WHEN c.last_id IS NULL OR excluded.last_id > c.last_id THEN excluded.last_id ELSE c.last_id END,
    close = CASE WHEN c.last_id IS NULL OR excluded.last_id > c.last_id THEN excluded.close ELSE c.close END,
    high = GREATEST(c.high, excluded.high),
    low = LEAST(c.low, excluded.low),
    volume_xlm = c.volume_xlm + excluded.volume_xlm,
    volume_tokens = c.volume_tokens + excluded.volume_tokens,
    trades = c.trades + excluded.trades;
  RETURN NULL;
END
$$;

CREATE TRIGGER "trades_roll_up" AFTER INSERT ON "trades" REFERENCING NEW TABLE AS new_trades
  FOR EACH STATEMENT EXECUTE FUNCTION "trade_candles_roll_up"();

-- Trades stored before this migration.
INSERT INTO trade_candles (contract_id, token, interval_s, bucket, first_id, last_id, open, close, high, low, volume_xlm, volume_tokens, trades)
SELECT t.contract_id, t.token, i.secs, date_bin(make_interval(secs => i.secs), t.closed_at, to_timestamp(0)),
       min(t.event_id) FILTER (WHERE t.price IS NOT NULL), max(t.event_id) FILTER (WHERE t.price IS NOT NULL),
       (array_agg(t.price ORDER BY t.event_id) FILTER (WHERE t.price IS NOT NULL))[1],
       (array_agg(t.price ORDER BY t.event_id DESC) FILTER (WHERE t.price IS NOT NULL))[1],
       max(t.price), min(t.price), sum(t.xlm_amount), sum(t.token_amount), count(*)::int
FROM trades t CROSS JOIN (VALUES (3600)) AS i(secs)
GROUP BY 1, 2, 3, 4;
