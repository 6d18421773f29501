// The one `--since` grammar of `backfill` and `webhooks replay`: a date, an ISO 8601 time, or an age.
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/internal/errors.ts";
import { parseSince } from "../../src/internal/text/since.ts";

describe("parseSince", () => {
  const now = Date.parse("2026-03-10T12:00:00Z");

  it("reads a date and an ISO 8601 time (what backfill took)", () => {
    expect(parseSince("2026-01-01", now).toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(parseSince(" 2026-12-01T10:00:00Z ", now).toISOString()).toBe("2026-12-01T10:00:00.000Z");
    expect(parseSince("2026-12-01T10:00:00+02:00", now).toISOString()).toBe("2026-12-01T08:00:00.000Z");
  });

  it("reads an age back from now (what webhooks replay took)", () => {
    expect(parseSince("90m", now).toISOString()).toBe("2026-03-10T10:30:00.000Z");
    expect(parseSince(" 6 h", now).toISOString()).toBe("2026-03-10T06:00:00.000Z");
    expect(parseSince("2d", now).toISOString()).toBe("2026-03-08T12:00:00.000Z");
    expect(parseSince("30s", now).toISOString()).toBe("2026-03-10T11:59:30.000Z");
  });

  it("refuses anything else with one line naming the value, an age beyond the calendar included", () => {
    for (const bad of ["yesterday", "", "2d ago", "1w", "2026-13-45", "01/02/2026", "99999999999999999d", "x\u202ey"]) {
      expect(() => parseSince(bad, now), bad).toThrow(ConfigError);
    }
    expect(() => parseSince("yesterday", now)).toThrow(/^--since "yesterday" is not a time: expected a date/);
    expect(() => parseSince("x\u202ey", now)).toThrow(/--since "x\?y"/);
  });
});
