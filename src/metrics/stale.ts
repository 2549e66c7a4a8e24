/**
 * "Was this row last updated before the cutoff?" for every userRegistrationDetails row (lastUpdatedDateTime).
 *
 * Date.parse was about 2 % of the whole 10 M-user analysis. Graph writes one form, `2026-12-06T06:28:56.3367153Z`;
 * for it, with every field in range, the day decides unless it is the cutoff's own day, and days in that form
 * compare as strings. Everything else goes to Date.parse, so the answer is always Date.parse's: the cutoff's day,
 * offsets, hour 24, out-of-range fields, other forms, and days 29 to 31 (Date.parse reads 2026-02-31 as 3 March).
 */
const CANONICAL = /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?Z$/;

/** `isStale(value)`: true when value is a date string Date.parse reads as before `cutoff` (ms); false otherwise. */
export function staleBefore(cutoff: number): (value: unknown) => boolean {
  const iso = Number.isFinite(cutoff) ? new Date(cutoff).toISOString() : '';
  // the cutoff's day, when it has the form's four-digit year (years 0 to 9999)
  const day = /^\d{4}-/.test(iso) ? iso.slice(0, 10) : null;
  // every string in the form whose day is after the cutoff's is at least this ('U' follows 'T')
  const after = `${day}U`;
  return (value) => {
    if (typeof value !== 'string') return false;
    if (day !== null && CANONICAL.test(value)) {
      if (value < day) return true;
      if (value > after) return false;
    }
    const t = Date.parse(value);
    return !Number.isNaN(t) && t < cutoff;
  };
}
