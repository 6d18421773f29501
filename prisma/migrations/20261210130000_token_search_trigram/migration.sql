-- Name and symbol search (GET /api/tokens?q=) is a case-insensitive substring match: trigram GIN indexes serve it
-- without reading every row. pg_trgm is a trusted extension (PostgreSQL 13+: a database owner may create it) and
-- ships with PGlite. Where it cannot be created (no contrib package, no privilege), the migration still succeeds
-- without the indexes, and a search reads the whole table.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm is not available (%): token search will read the whole table', SQLERRM;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX "tokens_name_idx" ON "tokens" USING GIN ("name" gin_trgm_ops);
    CREATE INDEX "tokens_symbol_idx" ON "tokens" USING GIN ("symbol" gin_trgm_ops);
  END IF;
END
$$;
