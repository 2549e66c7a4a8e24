/**
 * One streaming fold over userRegistrationDetails rows (graph-api.md §4): every registration metric in a single
 * pass, memory independent of the row count. Pure: no I/O, no clock ("now" is definitions.asOf).
 */
import { defaultDefinitions, KNOWN_TOKENS, upnMatcher, type Definitions } from './definitions.js';
import { keyFilter } from './key-filter.js';
import { staleBefore } from './stale.js';
import type { PerUserCounts } from './reports.js';
import { count, missingRatio, ratio, type AffectedUser, type CohortSink, type MetricInfo, type MetricSet } from './types.js';

export const COHORTS = {
  adminsNotMfaCapable: 'admins.not_mfa_capable',
  adminsWithoutPhishingResistant: 'admins.without_phishing_resistant',
  usersNotMfaCapable: 'users.not_mfa_capable',
  usersWithoutPhishingResistant: 'users.without_phishing_resistant',
  usersPhoneOnly: 'users.phone_only',
  usersRegisteredNotCapable: 'users.mfa_registered_not_capable',
  usersSsprNotRegistered: 'users.sspr_enabled_not_registered',
  usersSystemPreferredOff: 'users.system_preferred_disabled',
  usersStale: 'users.stale_rows',
  usersUnknownTokens: 'users.unknown_tokens',
  guestsNotMfaCapable: 'guests.not_mfa_capable',
  breakGlassNonCompliant: 'breakglass.noncompliant',
  adminFlagMismatch: 'users.admin_flag_mismatch',
} as const;

/** How the fold decides who is an admin. */
export interface AdminDefinition {
  /** role-data admins (user ids); undefined = use the report's isAdmin flag */
  adminIds?: ReadonlySet<string>;
  /** users holding an active assignment of any directory role, for the isAdmin cross-check */
  activeAnyRole?: ReadonlySet<string>;
}

const BOOLEAN_METRICS = [
  ['mfa.capable', 'isMfaCapable', 'MFA capable', 'isMfaCapable is true: a strong method registered and allowed by policy'],
  ['mfa.registered', 'isMfaRegistered', 'MFA registered', 'isMfaRegistered is true: a strong method registered'],
  ['sspr.registered', 'isSsprRegistered', 'SSPR registered', 'isSsprRegistered is true: enough SSPR methods registered'],
  ['sspr.enabled', 'isSsprEnabled', 'SSPR enabled', 'isSsprEnabled is true: SSPR allowed by policy'],
  ['sspr.capable', 'isSsprCapable', 'SSPR capable', 'isSsprCapable is true: registered and allowed by policy'],
  ['passwordless.capable', 'isPasswordlessCapable', 'Passwordless capable', 'isPasswordlessCapable is true'],
  [
    'system_preferred.enabled',
    'isSystemPreferredAuthenticationMethodEnabled',
    'System-preferred MFA enabled',
    'isSystemPreferredAuthenticationMethodEnabled is true',
  ],
] as const;

type BooleanField = (typeof BOOLEAN_METRICS)[number][1];

/** usersRegisteredByFeature features and the row field each counts (graph-api.md §5). */
export const FEATURE_FIELDS: readonly (readonly [string, BooleanField])[] = [
  ['mfaCapable', 'isMfaCapable'],
  ['passwordlessCapable', 'isPasswordlessCapable'],
  ['ssprCapable', 'isSsprCapable'],
  ['ssprEnabled', 'isSsprEnabled'],
  ['ssprRegistered', 'isSsprRegistered'],
];

const SOURCE = 'userRegistrationDetails';
/** method token classes (bits) */
const PR = 1;
const PHONE = 2;
const NON_MFA = 4;
const UNKNOWN = 8;
/** of a user's methods, not of one token (methodFlags) */
const PHONE_ONLY = 16;
const MAX_REMEMBERED_TOKENS = 1024;

/** The string members of a methodsRegistered value: the array itself when all are strings (the usual case). */
export function stringsOf(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  for (const m of value) if (typeof m !== 'string') return value.filter((x): x is string => typeof x === 'string');
  return value as string[];
}

/** The last row made into an affected user, and that user: the folds of one row (registration, enforcement, repeated
 * failures) then hand the cohort files one object, whose line is encoded once (cohort-files.ts). */
let lastRow: Record<string, unknown> | null = null;
let lastUser: AffectedUser | null = null;

/**
 * A userRegistrationDetails row as an affected user of a cohort (id, UPN and methods already read by the caller, as
 * every caller reads them: `row.id`, the UPN or '', stringsOf(row.methodsRegistered)).
 */
export function affectedUser(row: Record<string, unknown>, id: string, upn: string, methods: string[]): AffectedUser {
  if (row === lastRow && lastUser) return lastUser;
  lastRow = row;
  lastUser = {
    id,
    userPrincipalName: upn,
    userDisplayName: typeof row.userDisplayName === 'string' ? row.userDisplayName : '',
    userType: typeof row.userType === 'string' ? row.userType : 'null',
    isAdmin: typeof row.isAdmin === 'boolean' ? row.isAdmin : null,
    methodsRegistered: methods,
  };
  return lastUser;
}
const KNOWN = new Set(KNOWN_TOKENS);

/** Adds 1 per distinct token: indexOf over the usual handful of tokens, a Set for a hostile row with thousands. */
function countDistinct(methods: readonly string[], into: Map<string, number>): void {
  const distinct: Iterable<string> = methods.length > 16 ? new Set(methods) : methods;
  let i = 0;
  for (const m of distinct) {
    if (distinct !== methods || methods.indexOf(m) === i) into.set(m, (into.get(m) ?? 0) + 1);
    i++;
  }
}
/**
 * Users per method token, counted by the token's index in the fold's table (one Map lookup per token of a row, shared
 * by every counter) instead of a Map update per token and counter; tokens past the table's bound are counted in a Map.
 */
class TokenCounter {
  readonly counts = new Float64Array(MAX_REMEMBERED_TOKENS);
  readonly overflow = new Map<string, number>();

  toMap(tokens: readonly string[]): Map<string, number> {
    const map = new Map<string, number>();
    for (let i = 0; i < tokens.length; i++) if (this.counts[i]! > 0) map.set(tokens[i]!, this.counts[i]!);
    for (const [token, n] of this.overflow) map.set(token, (map.get(token) ?? 0) + n);
    return map;
  }
}

const DAY_MS = 86_400_000;

export class RegistrationFold {
  private population = 0;
  private guests = 0;
  private excluded = 0;
  private invalid = 0;
  private rows = 0;
  /** per BOOLEAN_METRICS entry, in its order */
  private readonly trueCounts = new Float64Array(BOOLEAN_METRICS.length);
  /** counts over every valid row (members, guests, excluded), for the aggregate cross-check */
  private readonly allRowCounts = new Float64Array(FEATURE_FIELDS.length);
  private phishingResistant = 0;
  private phoneOnly = 0;
  private registeredNotCapable = 0;
  private ssprNotRegistered = 0;
  private stale = 0;
  private withUnknownTokens = 0;
  private adminCount = 0;
  private adminsMfaCapable = 0;
  private adminsPhishingResistant = 0;
  private guestsMfaCapable = 0;
  private breakGlassSeen = 0;
  private breakGlassCompliant = 0;
  private readonly methodCounts = new TokenCounter();
  /** over every valid row, for the aggregate cross-checks (reports.ts PerUserCounts) */
  private readonly rowsByType = { member: 0, guest: 0 };
  private readonly methodsByType = { member: new TokenCounter(), guest: new TokenCounter() };
  private mfaRegisteredRows = 0;
  private readonly unknownTokens = new Set<string>();
  private readonly adminIdsSeen = new Set<string>();
  private flagMismatches = 0;
  private readonly pr: (token: string) => boolean;
  private readonly phone: ReadonlySet<string>;
  private readonly nonMfa: ReadonlySet<string>;
  private readonly isExcluded: (upn: string) => boolean;
  private readonly breakGlass: ReadonlySet<string>;
  private readonly isStale: (value: unknown) => boolean;
  /** the method tokens seen (the first MAX_REMEMBERED_TOKENS), each with an index and its flags */
  private readonly tokenIndex = new Map<string, number>();
  private readonly tokens: string[] = [];
  private readonly tokenFlags: number[] = [];
  /** the table index of each token of the row being added (-1: past the bound), set by methodFlags */
  private rowTokens = new Int32Array(16);
  /** per table index, the last count() that counted it (a row counts a token once) */
  private readonly counted = new Float64Array(MAX_REMEMBERED_TOKENS);
  private countSeq = 0;
  /** false for a user id in neither admins.adminIds nor admins.activeAnyRole (key-filter.ts) */
  private readonly mayBeListed: (id: string) => boolean;

  constructor(
    private readonly sink: CohortSink,
    private readonly admins: AdminDefinition = {},
    private readonly defs: Definitions = defaultDefinitions(),
  ) {
    const prSet = new Set(defs.phishingResistantTokens);
    this.pr = (t) => prSet.has(t) || defs.phishingResistantPrefixes.some((p) => t.startsWith(p));
    this.phone = new Set(defs.phoneTokens);
    this.nonMfa = new Set(defs.nonMfaTokens);
    this.isExcluded = upnMatcher(defs.excludeUpnPatterns);
    this.breakGlass = new Set(defs.breakGlassUpns.map((u) => u.toLowerCase()));
    this.isStale = staleBefore(Date.parse(defs.asOf) - defs.staleRowDays * DAY_MS);
    this.mayBeListed = keyFilter(admins.adminIds ?? [], admins.activeAnyRole ?? []);
  }

  /** What a method token is: PR, PHONE, NON_MFA, UNKNOWN bits. */
  private classify(token: string): number {
    const pr = this.pr(token);
    return (
      (pr ? PR : 0) |
      (this.phone.has(token) ? PHONE : 0) |
      (this.nonMfa.has(token) ? NON_MFA : 0) |
      (KNOWN.has(token) || pr ? 0 : UNKNOWN)
    );
  }

  /** The token's index in the table, added if new; -1 past the bound (hostile data may hold a new token on every row). */
  private indexOf(token: string): number {
    const known = this.tokenIndex.get(token);
    if (known !== undefined) return known;
    if (this.tokens.length >= MAX_REMEMBERED_TOKENS) return -1;
    const index = this.tokens.length;
    this.tokens.push(token);
    this.tokenFlags.push(this.classify(token));
    this.tokenIndex.set(token, index);
    return index;
  }

  /** The token's flags, from the table when it has an index there (indexOf's answer), else classified afresh. */
  private flagsOf(token: string, index = this.indexOf(token)): number {
    return index >= 0 ? this.tokenFlags[index]! : this.classify(token);
  }

  /** Adds 1 per distinct token of the row methodFlags was last given (these methods) to the counter. */
  private count(methods: readonly string[], into: TokenCounter): void {
    const seq = ++this.countSeq;
    let overflow = false;
    for (let i = 0; i < methods.length; i++) {
      const index = this.rowTokens[i]!;
      if (index < 0) overflow = true;
      else if (this.counted[index] !== seq) {
        this.counted[index] = seq;
        into.counts[index]!++;
      }
    }
    if (overflow) countDistinct(methods.filter((_, i) => this.rowTokens[i]! < 0), into.overflow);
  }

  /**
   * What a user's methods hold, in one pass (this runs for every row): PR, PHONE and UNKNOWN when any token is
   * such, and PHONE_ONLY when there is at least one MFA method and every MFA method is a phone method (unknown
   * tokens are MFA, not phone).
   */
  methodFlags(methods: readonly string[]): number {
    let any = 0;
    let mfaMethods = 0;
    let allPhone = true;
    if (this.rowTokens.length < methods.length) this.rowTokens = new Int32Array(methods.length);
    for (let i = 0; i < methods.length; i++) {
      const m = methods[i]!;
      const index = this.indexOf(m);
      this.rowTokens[i] = index;
      const flags = this.flagsOf(m, index);
      any |= flags & (PR | PHONE | UNKNOWN);
      if (flags & NON_MFA) continue;
      mfaMethods++;
      if (!(flags & PHONE)) allPhone = false;
    }
    return any | (allPhone && mfaMethods > 0 ? PHONE_ONLY : 0);
  }

  isPhoneOnly(methods: readonly string[]): boolean {
    return (this.methodFlags(methods) & PHONE_ONLY) !== 0;
  }

  add(raw: unknown): void {
    this.rows++;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as { id?: unknown }).id !== 'string') {
      this.invalid++;
      return;
    }
    const row = raw as Record<string, unknown>;
    const id = row.id as string;
    const upn = typeof row.userPrincipalName === 'string' ? row.userPrincipalName : '';
    const methods = stringsOf(row.methodsRegistered);
    const userType = typeof row.userType === 'string' ? row.userType : 'member';
    const isGuest = userType === 'guest';
    const listed = this.mayBeListed(id);
    const isAdmin = this.admins.adminIds ? listed && this.admins.adminIds.has(id) : row.isAdmin === true;
    const mfaCapable = row.isMfaCapable === true;
    const methodFlags = this.methodFlags(methods);
    const hasPR = (methodFlags & PR) !== 0;
    const hasPhone = (methodFlags & PHONE) !== 0;
    const hasUnknown = (methodFlags & UNKNOWN) !== 0;
    const phoneOnly = (methodFlags & PHONE_ONLY) !== 0;
    if (hasUnknown) for (const m of methods) if (this.flagsOf(m) & UNKNOWN) this.unknownTokens.add(m);
    // built once, on the first cohort the row is in (most rows are in none or a few)
    let user: AffectedUser | undefined;
    const asUser = (): AffectedUser => (user ??= affectedUser(row, id, upn, methods));

    for (let i = 0; i < FEATURE_FIELDS.length; i++) if (row[FEATURE_FIELDS[i]![1]] === true) this.allRowCounts[i]!++;
    if (row.isMfaRegistered === true) this.mfaRegisteredRows++;
    const typeKey = isGuest ? 'guest' : 'member';
    this.rowsByType[typeKey]++;
    this.count(methods, this.methodsByType[typeKey]);
    if (this.isStale(row.lastUpdatedDateTime)) {
      this.stale++;
      this.sink(COHORTS.usersStale, asUser());
    }
    if (hasUnknown) {
      this.withUnknownTokens++;
      this.sink(COHORTS.usersUnknownTokens, asUser());
    }
    if (this.admins.activeAnyRole && (row.isAdmin === true) !== (listed && this.admins.activeAnyRole.has(id))) {
      this.flagMismatches++;
      this.sink(COHORTS.adminFlagMismatch, asUser());
    }
    if (isAdmin) {
      if (this.admins.adminIds) this.adminIdsSeen.add(id);
      this.adminCount++;
      if (mfaCapable) this.adminsMfaCapable++;
      else this.sink(COHORTS.adminsNotMfaCapable, asUser());
      if (hasPR) this.adminsPhishingResistant++;
      else this.sink(COHORTS.adminsWithoutPhishingResistant, asUser());
    }
    if (this.breakGlass.size > 0 && this.breakGlass.has(upn.toLowerCase())) {
      // Emergency access accounts: a phishing-resistant method (passkey/FIDO2, CBA) and no phone method (CIS 1.1.2).
      this.breakGlassSeen++;
      const compliant = hasPR && !hasPhone;
      if (compliant) this.breakGlassCompliant++;
      else this.sink(COHORTS.breakGlassNonCompliant, asUser());
      return;
    }
    if (this.isExcluded(upn)) {
      this.excluded++;
      return;
    }
    if (isGuest) {
      this.guests++;
      if (mfaCapable) this.guestsMfaCapable++;
      else this.sink(COHORTS.guestsNotMfaCapable, asUser());
      if (!this.defs.includeGuests) return;
    }
    this.population++;
    for (let i = 0; i < BOOLEAN_METRICS.length; i++) if (row[BOOLEAN_METRICS[i]![1]] === true) this.trueCounts[i]!++;
    if (!mfaCapable) this.sink(COHORTS.usersNotMfaCapable, asUser());
    if (row.isMfaRegistered === true && !mfaCapable) {
      this.registeredNotCapable++;
      this.sink(COHORTS.usersRegisteredNotCapable, asUser());
    }
    if (row.isSsprEnabled === true && row.isSsprRegistered !== true) {
      this.ssprNotRegistered++;
      this.sink(COHORTS.usersSsprNotRegistered, asUser());
    }
    if (row.isSystemPreferredAuthenticationMethodEnabled !== true) this.sink(COHORTS.usersSystemPreferredOff, asUser());
    if (hasPR) this.phishingResistant++;
    else this.sink(COHORTS.usersWithoutPhishingResistant, asUser());
    if (phoneOnly) {
      this.phoneOnly++;
      this.sink(COHORTS.usersPhoneOnly, asUser());
    }
    this.count(methods, this.methodCounts);
  }

  /** Per-user counts over every valid row, for the cross-checks against the aggregate reports. */
  perUserCounts(): PerUserCounts {
    const flag = (field: BooleanField) => this.allRowCounts[FEATURE_FIELDS.findIndex(([, f]) => f === field)] ?? 0;
    return {
      rows: { ...this.rowsByType },
      methods: { member: this.methodsByType.member.toMap(this.tokens), guest: this.methodsByType.guest.toMap(this.tokens) },
      flags: {
        ssprRegistered: flag('isSsprRegistered'),
        ssprEnabled: flag('isSsprEnabled'),
        ssprCapable: flag('isSsprCapable'),
        mfaRegistered: this.mfaRegisteredRows,
      },
    };
  }

  /** Role-data admins that had a report row (the others are "not assessable"). */
  get assessedAdminIds(): ReadonlySet<string> {
    return this.adminIdsSeen;
  }

  /** Counts over every valid row for each usersRegisteredByFeature feature (aggregate cross-check). */
  featureCounts(): { rows: number; counts: Record<string, number> } {
    const counts: Record<string, number> = {};
    FEATURE_FIELDS.forEach(([feature], i) => (counts[feature] = this.allRowCounts[i]!));
    return { rows: this.rows - this.invalid, counts };
  }

  result(): MetricSet {
    const pop = this.population;
    const values: MetricSet['values'] = {};
    const info: MetricInfo[] = [];
    const put = (id: string, v: MetricSet['values'][string], title: string, kind: MetricInfo['kind'], description: string) => {
      values[id] = v;
      info.push({ id, title, kind, description, source: SOURCE });
    };
    put('users.in_scope', count(pop), 'Users in scope', 'count', 'Rows in the population (see definitions).');
    put('users.guests', count(this.guests), 'Guest users', 'count', 'Rows with userType "guest" (not excluded, not break-glass).');
    put('users.excluded', count(this.excluded), 'Users excluded', 'count', 'Rows left out by the configured UPN patterns.');
    put('users.invalid_rows', count(this.invalid), 'Invalid rows', 'count', 'Rows without a string id or not an object; excluded and counted here.');
    BOOLEAN_METRICS.forEach(([id, , title, description], i) =>
      put(id, ratio(this.trueCounts[i]!, pop), title, 'ratio', `Share of the population where ${description}.`),
    );
    put('phishing_resistant.registered', ratio(this.phishingResistant, pop), 'Phishing-resistant method registered', 'ratio',
      'Share of the population with at least one phishing-resistant method in methodsRegistered.');
    put('mfa.phone_only', ratio(this.phoneOnly, pop), 'SMS/voice-only MFA', 'ratio',
      'Share of the population whose registered MFA methods are all phone (SMS/voice) methods.');
    put('mfa.registered_not_capable', ratio(this.registeredNotCapable, pop), 'MFA registered but not capable', 'ratio',
      'Share of the population with isMfaRegistered true and isMfaCapable false (the policy does not allow their method).');
    put('sspr.enabled_not_registered', ratio(this.ssprNotRegistered, pop), 'SSPR enabled but not registered', 'ratio',
      'Share of the population with isSsprEnabled true and isSsprRegistered false.');
    // With role data, admins.total counts every role holder, including those without a report row.
    const notAssessable = this.admins.adminIds ? this.admins.adminIds.size - this.adminIdsSeen.size : 0;
    put('admins.total', count(this.adminCount + notAssessable), 'Admins', 'count', 'Admins as defined in "definitions.admins", any userType.');
    put('admins.mfa_capable', ratio(this.adminsMfaCapable, this.adminCount), 'Admins MFA capable', 'ratio',
      'Share of admins with a report row whose isMfaCapable is true.');
    put('admins.phishing_resistant', ratio(this.adminsPhishingResistant, this.adminCount), 'Admins with a phishing-resistant method', 'ratio',
      'Share of admins with a report row and at least one phishing-resistant method registered.');
    put('admins.without_phishing_resistant', count(this.adminCount - this.adminsPhishingResistant), 'Admins without a phishing-resistant method', 'count',
      'Admins with a report row and no phishing-resistant method registered.');
    put('admins.not_assessable', count(notAssessable), 'Admins not assessable', 'count',
      'Role holders without a userRegistrationDetails row (disabled, or not yet in the report); 0 when the isAdmin flag defines admins.');
    put('data.admin_flag_mismatch', count(this.admins.activeAnyRole ? this.flagMismatches : null), 'isAdmin flag mismatches', 'count',
      'Users whose isAdmin flag disagrees with holding an active directory role (direct or via group); null without role data.');
    put('guests.mfa_capable', ratio(this.guestsMfaCapable, this.guests), 'Guests MFA capable', 'ratio', 'Share of guests with isMfaCapable = true.');
    put('breakglass.configured', count(this.defs.breakGlassUpns.length), 'Break-glass accounts configured', 'count',
      'Emergency-access accounts listed in the config.');
    put('breakglass.found', count(this.breakGlassSeen), 'Break-glass accounts found', 'count', 'Configured break-glass accounts that have a report row.');
    put('breakglass.compliant', ratio(this.breakGlassCompliant, this.breakGlassSeen), 'Break-glass accounts compliant', 'ratio',
      'Share of break-glass accounts with a phishing-resistant method and no phone method.');
    const validRows = this.rows - this.invalid;
    put('data.stale_rows', ratio(this.stale, validRows), 'Stale report rows', 'ratio',
      `Share of rows whose lastUpdatedDateTime is more than ${this.defs.staleRowDays} days before the snapshot.`);
    put('methods.unknown_tokens', count(this.unknownTokens.size), 'Unknown method tokens', 'count',
      `Distinct methodsRegistered tokens this version does not know${this.unknownTokens.size ? `: ${[...this.unknownTokens].sort().join(', ')}` : ''}; kept verbatim.`);
    put('methods.users_with_unknown_tokens', count(this.withUnknownTokens), 'Users with unknown method tokens', 'count',
      'Rows with at least one unknown methodsRegistered token.');
    const methodCounts = this.methodCounts.toMap(this.tokens);
    for (const token of [...methodCounts.keys()].sort()) {
      put(`methods.registered.${token}`, count(methodCounts.get(token) ?? 0), `Users with ${token}`, 'count',
        `Population users with "${token}" in methodsRegistered.`);
    }
    return { values, info };
  }

  /** The same metric ids with null values, for when userRegistrationDetails is not usable. */
  static missing(): MetricSet {
    const set = new RegistrationFold(() => undefined).result();
    for (const [id, v] of Object.entries(set.values)) set.values[id] = 'numerator' in v ? missingRatio() : count(null);
    for (const i of set.info) i.source = null;
    return set;
  }
}
