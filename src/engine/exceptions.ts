/** Exceptions from the config: which affected users (or whole checks) a live exception covers. */
import type { ExceptionRule } from '../config/schema.js';
import { upnMatcher } from '../metrics/definitions.js';
import type { AffectedUser } from '../results/schema.js';

export interface ExceptionIndex {
  /** for a cohort: the index of the first exception covering this user, or -1 */
  userException(checkId: string, user: AffectedUser): number;
  /** indexes of exceptions that cover a whole check */
  wholeCheck(checkId: string): number[];
  /** users matched per exception index */
  readonly matched: number[];
}

export function indexExceptions(rules: readonly ExceptionRule[]): ExceptionIndex {
  const byCheck = new Map<string, { index: number; match: (upn: string) => boolean }[]>();
  const whole = new Map<string, number[]>();
  const matched = rules.map(() => 0);
  rules.forEach((r, index) => {
    if (!r.users) {
      whole.set(r.check, [...(whole.get(r.check) ?? []), index]);
      return;
    }
    byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), { index, match: upnMatcher(r.users) }]);
  });
  return {
    matched,
    userException(checkId, user) {
      for (const rule of byCheck.get(checkId) ?? []) {
        if (rule.match(user.userPrincipalName)) {
          matched[rule.index]!++;
          return rule.index;
        }
      }
      return -1;
    },
    wholeCheck: (checkId) => whole.get(checkId) ?? [],
  };
}
