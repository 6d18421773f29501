// Counts per day for the dashboard's charts: launches (the token's on-chain created_at, indexed) and graduations.
// Launches are counted on the chain's clock, up to the newest launch (a network's clock need not be the host's).
// A graduation is dated by its ledger's close time (graduated_at, from the token_graduated event) when the sync or a
// backfill read that event; a graduation older than what was read falls back to the last write of the row.
import type { Database } from "./database.ts";

export interface DayCount {
  /** UTC day, "YYYY-MM-DD". */
  day: string;
  count: number;
}

export interface DailyActivity {
  launches: DayCount[];
  graduations: DayCount[];
}

const DAY_SECONDS = 86_400;

/** The day number (days since 1970) as text, and its count (int4: a number on both drivers). */
interface DayRow extends Record<string, unknown> {
  day: string;
  count: number;
}

export class ActivityQueries {
  constructor(
    private readonly db: Database,
    readonly contractId: string,
  ) {}

  /**
   * `days` UTC days, oldest first, every day present (zero when nothing happened): launches up to the newest
   * launch's day, graduations up to `now`.
   */
  async daily(days: number, now: Date = new Date()): Promise<DailyActivity> {
    const today = Math.floor(now.getTime() / 1000 / DAY_SECONDS);
    const newest = await this.db.query<{ day: string | null }>(
      `SELECT floor(max(created_at) / ${DAY_SECONDS})::text AS day FROM tokens WHERE contract_id = $1`,
      [this.contractId],
    );
    const lastLaunchDay = newest[0]?.day == null ? today : Number(newest[0].day);
    const [launches, graduations] = await Promise.all([
      this.db.query<DayRow>(
        `SELECT floor(created_at / ${DAY_SECONDS})::text AS day, count(*)::int AS count FROM tokens
         WHERE contract_id = $1 AND created_at >= $2::numeric GROUP BY 1`,
        [this.contractId, String((lastLaunchDay - days + 1) * DAY_SECONDS)],
      ),
      this.db.query<DayRow>(
        `SELECT floor(extract(epoch FROM coalesce(graduated_at, last_synced_at)) / ${DAY_SECONDS})::text AS day, count(*)::int AS count FROM tokens
         WHERE contract_id = $1 AND status = 'GRADUATED' AND coalesce(graduated_at, last_synced_at) >= to_timestamp($2::bigint) GROUP BY 1`,
        [this.contractId, String((today - days + 1) * DAY_SECONDS)],
      ),
    ]);
    return {
      launches: fill(launches, lastLaunchDay - days + 1, lastLaunchDay),
      graduations: fill(graduations, today - days + 1, today),
    };
  }
}

function fill(rows: DayRow[], first: number, last: number): DayCount[] {
  const byDay = new Map(rows.map((r) => [Number(r.day), r.count]));
  const out: DayCount[] = [];
  for (let d = first; d <= last; d++) {
    out.push({ day: new Date(d * DAY_SECONDS * 1000).toISOString().slice(0, 10), count: byDay.get(d) ?? 0 });
  }
  return out;
}
