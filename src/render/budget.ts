/**
 * The page budget of the PDF: it must stay at most MAX_PDF_PAGES long however large the tenant, because complete
 * lists live in the CSV worklists. Everything else in the report is bounded by the check and framework catalogues
 * or capped in the view model (LIST_CAP); the affected-user tables are the one part that grows with the tenant,
 * so their rows share one budget.
 */

export const MAX_PDF_PAGES = 30;

export interface PageBudget {
  /** affected-user rows printed across all findings */
  affectedRows: number;
  /** longest other list (exceptions, role holders, patterns, role ids); the metrics appendix lists 5× this */
  listCap: number;
  /** the later sections (findings, coverage, methodology, appendix A) follow on the same page instead of starting a new one */
  flowSections: boolean;
  /** failing findings in the compact layout: low and info only, or all of them */
  compactFindings: 'lowInfo' | 'all';
}

/**
 * Budgets tried in turn: the first fits a tenant with a typical number of failing checks (about three pages of
 * affected-user tables); the others are used only when a print comes out longer than MAX_PDF_PAGES (many failing
 * checks, hundreds of exceptions, of unknown method tokens, of privileged service principals …): fewer rows per
 * finding and shorter lists, then the later sections run on without a page break, then every failing finding in the
 * compact layout, then no rows.
 */
export const PAGE_BUDGETS: readonly PageBudget[] = [
  { affectedRows: 120, listCap: 40, flowSections: false, compactFindings: 'lowInfo' },
  { affectedRows: 60, listCap: 20, flowSections: false, compactFindings: 'lowInfo' },
  { affectedRows: 40, listCap: 12, flowSections: true, compactFindings: 'lowInfo' },
  // many failing checks: every failing finding in the compact layout, so that some sample rows still fit
  { affectedRows: 40, listCap: 8, flowSections: true, compactFindings: 'all' },
  { affectedRows: 20, listCap: 5, flowSections: true, compactFindings: 'all' },
  { affectedRows: 0, listCap: 3, flowSections: true, compactFindings: 'all' },
  { affectedRows: 0, listCap: 1, flowSections: true, compactFindings: 'all' },
];

/**
 * The least aggressive budget whose print fits, by bisection: budget 0 first (most tenants fit it), then a binary
 * search over the fallbacks, which are ordered from least to most aggressive (each lists no more than the one
 * before, so a print's page count does not grow along the list). At most 1 + ⌈log2(fallbacks + 1)⌉ prints (4 for
 * the 7 budgets) instead of up to 7 when tried in turn, so a large tenant, which needs a later budget, costs about
 * the prints of a small one. When none fits, the last (most aggressive) budget's print is returned.
 *
 * `guide` (the page count of a print, and the most that fits) picks between the two middles of an even stretch
 * once a fitting print is known: the one nearer where the page counts, interpolated between the nearest failing
 * and fitting prints, cross the limit. Either middle leaves the same longest remaining stretch, so the worst case and
 * (the page counts being monotone) the budget found are those of the plain bisection; it only saves a print when the
 * guess is right (a tenant that needs budget 3 of 7: 3 prints instead of 4).
 *
 * `hint` (the budget a similar pack needed, e.g. the previous pack of run --tenants) starts the search there instead
 * of at budget 0: budget hint − 1 first, then, if it does not fit, budget hint. When the hint is right that settles
 * it in two prints (hint − 1 does not fit, hint does), the last of them the budget found; when it is wrong, the
 * neighbour on the side the two prints leave open is tried next (hint − 2 or hint + 1: the packs of run --tenants
 * need budgets a step apart, so a wrong hint costs one print more, not a bisection of two), then bisection. The
 * page counts being monotone, the budget found is the same with or without a hint (the least aggressive one that
 * fits), only the prints differ.
 */
export async function fitBudget<R>(
  count: number,
  tryBudget: (index: number) => Promise<R>,
  fits: (result: R) => boolean,
  guide?: { size: (result: R) => number; limit: number },
  hint = 0,
): Promise<{ index: number; result: R }> {
  if (count < 1) throw new RangeError('fitBudget needs at least one budget');
  const h = Number.isInteger(hint) ? Math.min(Math.max(hint, 0), count - 1) : 0;
  const sized = (index: number, result: R) => ({ index, size: guide?.size(result) ?? 0 });
  if (h === 0) {
    const first = await tryBudget(0);
    if (fits(first)) return { index: 0, result: first };
    return bisect(1, count - 1, sized(0, first), null, null, { index: 0, result: first });
  }
  const before = await tryBudget(h - 1);
  if (fits(before)) {
    // the hint was too aggressive: the answer is h − 1 or a budget before it, most often h − 1 itself (packs in a
    // row differ by a budget or so): h − 2 next, then bisection on what is left
    const best = { index: h - 1, result: before };
    if (h - 2 < 0) return best;
    const next = await tryBudget(h - 2);
    if (!fits(next)) return best;
    const better = { index: h - 2, result: next };
    return bisect(0, h - 3, null, sized(h - 2, next), better, better);
  }
  const at = await tryBudget(h);
  if (fits(at)) return { index: h, result: at };
  // too lenient: a budget after it, most often h + 1 (or, when none fits, the last one, printed last)
  if (h + 1 > count - 1) return { index: h, result: at };
  const after = await tryBudget(h + 1);
  if (fits(after)) return { index: h + 1, result: after };
  return bisect(h + 2, count - 1, sized(h + 1, after), null, null, { index: h + 1, result: after });

  /**
   * The least fitting budget in [lo, hi], knowing that every budget before lo fails (`below`: the nearest failing
   * print, if any) and `above` (the nearest fitting print after hi, if any) fits; `best` is that fitting print.
   */
  async function bisect(
    lo: number,
    hi: number,
    below: { index: number; size: number } | null,
    above: { index: number; size: number } | null,
    best: { index: number; result: R } | null,
    last: { index: number; result: R },
  ): Promise<{ index: number; result: R }> {
    while (lo <= hi) {
      let mid = (lo + hi) >> 1;
      if (guide && above && below && (hi - lo + 1) % 2 === 0) {
        const slope = (above.size - below.size) / (above.index - below.index);
        // mid is expected not to fit either: its upper twin settles more when it fails
        if (below.size + slope * (mid - below.index) > guide.limit) mid++;
      }
      const result = await tryBudget(mid);
      last = { index: mid, result };
      if (fits(result)) {
        best = last;
        hi = mid - 1;
        if (guide) above = { index: mid, size: guide.size(result) };
      } else {
        lo = mid + 1;
        if (guide) below = { index: mid, size: guide.size(result) };
      }
    }
    // nothing fits: the search ended on the last budget, which was printed last (with one budget, that is budget 0)
    return best ?? last;
  }
}

/** Affected-user rows of the first budget (what the HTML lists). */
export const AFFECTED_ROWS_BUDGET = PAGE_BUDGETS[0]!.affectedRows;

export interface ListedFinding {
  checkId: string;
  /** users that could be listed (the affected count) */
  count: number;
}

/**
 * Rows per finding: every finding gets the same cap c (at most `perFinding`), the largest c for which the rows
 * of all findings fit in `total`. Findings with fewer users leave their share to the others.
 */
export function affectedCaps(findings: readonly ListedFinding[], perFinding: number, total: number): Map<string, number> {
  const rowsAt = (c: number) => findings.reduce((sum, f) => sum + Math.min(Math.max(0, f.count), c), 0);
  let lo = 0;
  let hi = Math.max(0, perFinding);
  if (rowsAt(hi) > total) {
    // largest c in [0, perFinding] with rowsAt(c) ≤ total (rowsAt is non-decreasing)
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (rowsAt(mid) <= total) lo = mid;
      else hi = mid - 1;
    }
  } else {
    lo = hi;
  }
  return new Map(findings.map((f) => [f.checkId, Math.min(Math.max(0, f.count), lo)]));
}
