/**
 * One streaming fold over userRegistrationDetails rows (graph-api.md §4): every registration metric in a single
 * pass, memory independent of the row count. Pure: no I/O, no clock.
 */
import {
  NON_MFA_TOKENS,
  PHISHING_RESISTANT_PREFIXES,
  PHISHING_RESISTANT_TOKENS,
  PHONE_TOKENS,
} from './definitions.js';
import { count, missingRatio, ratio, type AffectedUser, type CohortSink, type MetricInfo, type MetricSet } from './types.js';

export const COHORTS = {
  adminsNotMfaCapable: 'admins.not_mfa_capable',
  adminsWithoutPhishingResistant: 'admins.without_phishing_resistant',
  usersNotMfaCapable: 'users.not_mfa_capable',
  usersPhoneOnly: 'users.phone_only',
  adminFlagMismatch: 'users.admin_flag_mismatch',
} as const;

/** How the fold decides who is an admin. */
export interface AdminDefinition {
  /** role-data admins (user ids); undefined = use the report's isAdmin flag */
  adminIds?: ReadonlySet<string>;
  /** users holding an active assignment of any directory role, for the isAdmin cross-check */
  activeAnyRole?: ReadonlySet<string>;
}

const PR = new Set(PHISHING_RESISTANT_TOKENS);
const PHONE = new Set(PHONE_TOKENS);
const NON_MFA = new Set(NON_MFA_TOKENS);

export function isPhishingResistant(token: string): boolean {
  return PR.has(token) || PHISHING_RESISTANT_PREFIXES.some((p) => token.startsWith(p));
}

/** At least one MFA method and every MFA method is a phone method (unknown tokens are MFA, not phone). */
export function isPhoneOnly(methods: readonly string[]): boolean {
  let mfa = 0;
  for (const m of methods) {
    if (NON_MFA.has(m)) continue;
    if (!PHONE.has(m)) return false;
    mfa++;
  }
  return mfa > 0;
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

const SOURCE = 'userRegistrationDetails';

export class RegistrationFold {
  private population = 0;
  private guests = 0;
  private invalid = 0;
  private readonly trueCounts = new Map<BooleanField, number>();
  private phishingResistant = 0;
  private phoneOnly = 0;
  private adminCount = 0;
  private adminsMfaCapable = 0;
  private adminsPhishingResistant = 0;
  private guestsMfaCapable = 0;
  private readonly methodCounts = new Map<string, number>();
  private readonly adminIdsSeen = new Set<string>();
  private flagMismatches = 0;

  constructor(
    private readonly sink: CohortSink,
    private readonly admins: AdminDefinition = {},
  ) {}

  add(raw: unknown): void {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || typeof (raw as { id?: unknown }).id !== 'string') {
      this.invalid++;
      return;
    }
    const row = raw as Record<string, unknown>;
    const methods = Array.isArray(row.methodsRegistered)
      ? row.methodsRegistered.filter((m): m is string => typeof m === 'string')
      : [];
    const userType = typeof row.userType === 'string' ? row.userType : 'member';
    const isGuest = userType === 'guest';
    const id = row.id as string;
    const isAdmin = this.admins.adminIds ? this.admins.adminIds.has(id) : row.isAdmin === true;
    if (isAdmin && this.admins.adminIds) this.adminIdsSeen.add(id);
    const mfaCapable = row.isMfaCapable === true;
    const hasPR = methods.some(isPhishingResistant);
    let user: AffectedUser | undefined;
    const asUser = (): AffectedUser =>
      (user ??= {
        id,
        userPrincipalName: typeof row.userPrincipalName === 'string' ? row.userPrincipalName : '',
        userDisplayName: typeof row.userDisplayName === 'string' ? row.userDisplayName : '',
        userType: typeof row.userType === 'string' ? row.userType : 'null',
        isAdmin: typeof row.isAdmin === 'boolean' ? row.isAdmin : null,
        methodsRegistered: methods,
      });

    if (this.admins.activeAnyRole && (row.isAdmin === true) !== this.admins.activeAnyRole.has(id)) {
      this.flagMismatches++;
      this.sink(COHORTS.adminFlagMismatch, asUser());
    }
    if (isAdmin) {
      this.adminCount++;
      if (mfaCapable) this.adminsMfaCapable++;
      else this.sink(COHORTS.adminsNotMfaCapable, asUser());
      if (hasPR) this.adminsPhishingResistant++;
      else this.sink(COHORTS.adminsWithoutPhishingResistant, asUser());
    }
    if (isGuest) {
      this.guests++;
      if (mfaCapable) this.guestsMfaCapable++;
      return;
    }
    this.population++;
    for (const [, field] of BOOLEAN_METRICS) {
      if (row[field] === true) this.trueCounts.set(field, (this.trueCounts.get(field) ?? 0) + 1);
    }
    if (!mfaCapable) this.sink(COHORTS.usersNotMfaCapable, asUser());
    if (hasPR) this.phishingResistant++;
    if (isPhoneOnly(methods)) {
      this.phoneOnly++;
      this.sink(COHORTS.usersPhoneOnly, asUser());
    }
    for (const m of new Set(methods)) this.methodCounts.set(m, (this.methodCounts.get(m) ?? 0) + 1);
  }

  /** Role-data admins that had a report row (the others are "not assessable"). */
  get assessedAdminIds(): ReadonlySet<string> {
    return this.adminIdsSeen;
  }

  result(): MetricSet {
    const pop = this.population;
    const values: MetricSet['values'] = {
      'users.in_scope': count(pop),
      'users.guests': count(this.guests),
      'users.invalid_rows': count(this.invalid),
    };
    const info: MetricInfo[] = [
      info_('users.in_scope', 'Users in scope', 'count', 'Rows in the population (see definitions).'),
      info_('users.guests', 'Guest users', 'count', 'Rows with userType "guest".'),
      info_('users.invalid_rows', 'Invalid rows', 'count', 'Rows without a string id or not an object; excluded and counted here.'),
    ];
    for (const [id, field, title, description] of BOOLEAN_METRICS) {
      values[id] = ratio(this.trueCounts.get(field) ?? 0, pop);
      info.push(info_(id, title, 'ratio', `Share of the population where ${description}.`));
    }
    values['phishing_resistant.registered'] = ratio(this.phishingResistant, pop);
    info.push(info_('phishing_resistant.registered', 'Phishing-resistant method registered', 'ratio',
      'Share of the population with at least one phishing-resistant method in methodsRegistered.'));
    values['mfa.phone_only'] = ratio(this.phoneOnly, pop);
    info.push(info_('mfa.phone_only', 'SMS/voice-only MFA', 'ratio',
      'Share of the population whose registered MFA methods are all phone (SMS/voice) methods.'));
    // With role data, admins.total counts every role holder, including those without a report row.
    const notAssessable = this.admins.adminIds ? this.admins.adminIds.size - this.adminIdsSeen.size : 0;
    values['admins.total'] = count(this.adminCount + notAssessable);
    values['admins.mfa_capable'] = ratio(this.adminsMfaCapable, this.adminCount);
    values['admins.phishing_resistant'] = ratio(this.adminsPhishingResistant, this.adminCount);
    values['admins.without_phishing_resistant'] = count(this.adminCount - this.adminsPhishingResistant);
    values['admins.not_assessable'] = count(notAssessable);
    values['data.admin_flag_mismatch'] = count(this.admins.activeAnyRole ? this.flagMismatches : null);
    values['guests.mfa_capable'] = ratio(this.guestsMfaCapable, this.guests);
    info.push(
      info_('admins.total', 'Admins', 'count', 'Admins as defined in "definitions.admins", any userType.'),
      info_('admins.mfa_capable', 'Admins MFA capable', 'ratio', 'Share of admins with a report row whose isMfaCapable is true.'),
      info_('admins.phishing_resistant', 'Admins with a phishing-resistant method', 'ratio',
        'Share of admins with a report row and at least one phishing-resistant method registered.'),
      info_('admins.without_phishing_resistant', 'Admins without a phishing-resistant method', 'count',
        'Admins with a report row and no phishing-resistant method registered.'),
      info_('admins.not_assessable', 'Admins not assessable', 'count',
        'Role holders without a userRegistrationDetails row (disabled accounts, or not yet in the report); 0 when the isAdmin flag defines admins.'),
      info_('data.admin_flag_mismatch', 'isAdmin flag mismatches', 'count',
        "Users whose isAdmin flag disagrees with holding an active directory role (direct or via group); null without role data."),
      info_('guests.mfa_capable', 'Guests MFA capable', 'ratio', 'Share of guests with isMfaCapable = true.'),
    );
    for (const token of [...this.methodCounts.keys()].sort()) {
      const id = `methods.registered.${token}`;
      values[id] = count(this.methodCounts.get(token) ?? 0);
      info.push(info_(id, `Users with ${token}`, 'count', `Population users with "${token}" in methodsRegistered.`));
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

function info_(id: string, title: string, kind: MetricInfo['kind'], description: string): MetricInfo {
  return { id, title, kind, description, source: SOURCE };
}
