-- Hourly rollups only (issue 22's write budget): a candle row per trade and interval made storing a busy window's
-- trades cost several times their own insert. 4h and 1d candles are summed from the hourly rows (their buckets
-- are whole hours from the epoch), and 1m, 5m and 15m ones from the trades of the range asked for.
CREATE OR REPLACE FUNCTION "trade_candles_roll_up"() RETURNS trigger LANGUAGE plpgsql AS $$
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


DELETE FROM trade_candles WHERE interval_s <> 3600;
