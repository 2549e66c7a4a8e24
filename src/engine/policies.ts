/**
 * Reads the policy sources of a snapshot (issue #14): Conditional Access, authentication strengths, security
 * defaults, the authentication methods policy (beta preferred, v1.0 fallback) and the members of the groups CA names.
 * Produces the join's inputs (or why the enforcement is not assessable), the `policy.*` metrics and the results'
 * `enforcement` block. Every source read here is small except caGroupMembers (members of CA groups).
 */
import { policyModel, strengthsById, type PolicyModel } from '../metrics/enforcement-model.js';
import type { EnforcementFold, EnforcementInputs } from '../metrics/enforcement.js';
import { SharedSets } from '../metrics/shared-sets.js';
import { count, isObj, type MetricInfo, type MetricSet } from '../metrics/types.js';
import { readOkRows, readRows, sourceById, type LoadedSnapshot } from '../snapshot/reader.js';
import type { SourceRecord } from '../snapshot/schema.js';
import type { Enforcement } from '../results/schema.js';

/** authenticationMethodConfiguration ids every tenant has (metric ids exist even when the policy did not answer). */
export const METHOD_CONFIG_IDS = [
  'Email', 'Fido2', 'HardwareOath', 'MicrosoftAuthenticator', 'Sms', 'SoftwareOath', 'TemporaryAccessPass', 'Voice', 'X509Certificate',
] as const;

export interface PolicyData {
  inputs: EnforcementInputs | null;
  notes: string[];
  basis: string;
  metrics: MetricSet;
  /** the block without the per-policy counts (filled from the fold) */
  block: (fold: EnforcementFold | null) => Enforcement;
}

type Describe = (s: Pick<SourceRecord, 'id' | 'status' | 'httpStatus' | 'errorCode' | 'errorMessage'>) => string;


/** The targets of a methods configuration in words: "all users", "2 groups, excluding 1". */
function targetWords(c: Record<string, unknown>): string {
  const inc = Array.isArray(c.includeTargets) ? c.includeTargets : [];
  const exc = Array.isArray(c.excludeTargets) ? c.excludeTargets : [];
  const all = inc.some((t) => isObj(t) && t.id === 'all_users');
  const base = all ? 'all users' : inc.length ? `${inc.length} target${inc.length === 1 ? '' : 's'}` : 'no one';
  return exc.length ? `${base}, excluding ${exc.length}` : base;
}

function policyTargets(p: PolicyModel): string {
  const t = p.targets;
  const inc: string[] = [];
  if (t.includeAll) inc.push('all users');
  if (t.includeGuests) inc.push('guests');
  if (t.includeUsers.size) inc.push(`${t.includeUsers.size} user(s)`);
  if (t.includeGroups.size) inc.push(`${t.includeGroups.size} group(s)`);
  if (t.includeRoles.size) inc.push(`${t.includeRoles.size} role(s)`);
  const exc: string[] = [];
  if (t.excludeGuests) exc.push('guests');
  if (t.excludeUsers.size) exc.push(`${t.excludeUsers.size} user(s)`);
  if (t.excludeGroups.size) exc.push(`${t.excludeGroups.size} group(s)`);
  if (t.excludeRoles.size) exc.push(`${t.excludeRoles.size} role(s)`);
  return `${inc.length ? inc.join(', ') : 'no one'}${exc.length ? `; excluding ${exc.join(', ')}` : ''}`;
}

function roleOf(p: PolicyModel): Enforcement['policies'][number]['role'] {
  if (p.state === 'disabled') return 'disabled';
  if (p.required === null) return 'no_mfa';
  if (p.state === 'report_only') return 'report_only';
  return p.narrowing.length ? 'conditional' : 'enforcing';
}

export async function readPolicies(
  snapshot: LoadedSnapshot,
  roles: { active: ReadonlyMap<string, ReadonlySet<string>>; eligible: ReadonlyMap<string, ReadonlySet<string>> } | null,
  describe: Describe,
): Promise<PolicyData> {
  const notes: string[] = [];
  const problem = (id: string) => {
    const s = sourceById(snapshot, id);
    return s ? describe(s) : `source ${id} not collected`;
  };

  // --- security defaults ---
  const sdRows = await readOkRows(snapshot, 'securityDefaults');
  const sdRow = sdRows?.find(isObj);
  const securityDefaults = sdRow && typeof sdRow.isEnabled === 'boolean' ? sdRow.isEnabled : null;

  // --- methods policy: beta for its beta-only fields, else v1.0 ---
  const beta = (await readOkRows(snapshot, 'authenticationMethodsPolicyBeta'))?.find(isObj) ?? null;
  const v1 = (await readOkRows(snapshot, 'authenticationMethodsPolicy'))?.find(isObj) ?? null;
  const methodsPolicy = beta ?? v1;
  const configs = (Array.isArray(methodsPolicy?.authenticationMethodConfigurations) ? methodsPolicy.authenticationMethodConfigurations : [])
    .filter(isObj)
    .filter((c): c is Record<string, unknown> & { id: string } => typeof c.id === 'string');
  const disabledConfigs = new Set(configs.filter((c) => c.state !== 'enabled').map((c) => c.id));
  const campaign = isObj(methodsPolicy?.registrationEnforcement)
    ? (methodsPolicy.registrationEnforcement as Record<string, unknown>).authenticationMethodsRegistrationCampaign
    : undefined;
  const campaignState = isObj(campaign) && typeof campaign.state === 'string' ? campaign.state : null;
  const migrationState = typeof methodsPolicy?.policyMigrationState === 'string' ? methodsPolicy.policyMigrationState : null;
  const systemPreferred =
    beta && isObj(beta.systemCredentialPreferences) && typeof beta.systemCredentialPreferences.state === 'string'
      ? beta.systemCredentialPreferences.state
      : null;
  const authenticator = configs.find((c) => c.id === 'MicrosoftAuthenticator');
  const features = isObj(authenticator?.featureSettings) ? authenticator.featureSettings : null;
  const featureState = (k: string) => (features && isObj(features[k]) ? (features[k] as Record<string, unknown>).state : undefined);

  // --- Conditional Access ---
  const strengthRows = await readOkRows(snapshot, 'authenticationStrengthPolicies');
  const strengths = strengthsById(strengthRows ?? []);
  const caRows = await readOkRows(snapshot, 'conditionalAccessPolicies');
  const policies = (caRows ?? []).map((r) => policyModel(r, strengths)).filter((p): p is PolicyModel => p !== null);
  for (const p of policies) if (p.unresolved && p.state !== 'disabled') notes.push(`${p.displayName}: ${p.unresolved}.`);
  const relevant = policies.filter((p) => p.state !== 'disabled' && p.required !== null);

  // --- can the join be made? ---
  let inputs: EnforcementInputs | null = null;
  let basis: string;
  const missing: string[] = [];
  if (!caRows && securityDefaults !== true) missing.push(problem('conditionalAccessPolicies'));
  if (caRows && securityDefaults === null) {
    notes.push(`${problem('securityDefaults')}; security defaults taken as off (they cannot be on while Conditional Access policies are enabled)`);
  }
  if (!methodsPolicy) notes.push(`${problem('authenticationMethodsPolicy')}; every method is taken as allowed by the methods policy`);
  const groupsOfUser = new Map<string, ReadonlySet<string>>();
  const groupSets = new SharedSets(); // a policy may name a group of millions: one set per combination of groups
  if (relevant.some((p) => p.targets.includeGroups.size || p.targets.excludeGroups.size)) {
    const members = sourceById(snapshot, 'caGroupMembers');
    if (members?.status !== 'ok') missing.push(problem('caGroupMembers'));
    else {
      for await (const raw of readRows(snapshot, members)) {
        const m = raw as { groupId?: unknown; userId?: unknown; gone?: unknown } | null;
        if (typeof m?.groupId !== 'string') continue;
        if (m.userId === null && m.gone !== undefined) {
          notes.push(`group ${m.groupId}, named by a Conditional Access policy, no longer exists (${String(m.gone)}): it matches no one`);
          continue;
        }
        if (typeof m.userId !== 'string') continue;
        const k = m.userId.toLowerCase();
        groupsOfUser.set(k, groupSets.with(groupsOfUser.get(k), m.groupId.toLowerCase()));
      }
    }
  }
  const namesRoles = relevant.some((p) => p.targets.includeRoles.size || p.targets.excludeRoles.size) || securityDefaults === true;
  if (namesRoles && !roles) missing.push('role assignments (roleAssignments, roleGroupMembers) were not usable');
  if (missing.length) {
    basis = 'not assessable';
    notes.unshift(`Enforcement not assessable: ${missing.join('; ')}.`);
  } else {
    const sd = securityDefaults === true;
    basis = caRows
      ? `Conditional Access (${policies.length} polic${policies.length === 1 ? 'y' : 'ies'}, ${relevant.length} requiring MFA and not disabled)${sd ? ' and security defaults' : ''}`
      : 'security defaults (Conditional Access not readable)';
    if (sd && relevant.some((p) => p.state === 'enabled')) notes.push('Security defaults are on while Conditional Access policies are enabled: the two conflict.');
    if (namesRoles) {
      notes.push(
        'Role conditions match the roles a user holds actively. For the admin metrics an eligible (PIM) role counts too, as the policy applies once the role is activated; whether activation itself asks for MFA is a PIM setting this audit does not read.',
      );
    }
    inputs = {
      policies,
      securityDefaults: sd,
      disabledConfigs,
      groupsOfUser,
      rolesOfUser: roles?.active ?? new Map(),
      eligibleRolesOfUser: roles?.eligible ?? new Map(),
    };
  }

  // --- policy.* metrics ---
  const values: MetricSet['values'] = {};
  const info: MetricInfo[] = [];
  const put = (id: string, v: number | null, title: string, description: string, source: string | null) => {
    values[id] = count(v);
    info.push({ id, title, kind: 'count', description, source: v === null ? null : source });
  };
  const flag = (b: boolean | null) => (b === null ? null : b ? 1 : 0);
  const mp = beta ? 'authenticationMethodsPolicyBeta' : 'authenticationMethodsPolicy';
  put('policy.security_defaults', flag(securityDefaults), 'Security defaults on', '1 when security defaults are enabled, 0 when not.', 'securityDefaults');
  const configIds = [...new Set([...METHOD_CONFIG_IDS, ...configs.map((c) => c.id)])].sort();
  for (const id of configIds) {
    const c = configs.find((x) => x.id === id);
    put(`policy.methods.enabled.${id}`, methodsPolicy ? (c ? flag(c.state === 'enabled') : 0) : null, `Method ${id} enabled`,
      `1 when the authentication methods policy's ${id} configuration is enabled (for any target), 0 when disabled or absent.`, mp);
  }
  put('policy.registration_campaign', methodsPolicy ? flag(campaignState === 'enabled') : null, 'Registration campaign enabled',
    '1 when the registration campaign (nudge) state is "enabled"; 0 for "disabled" or "default" (Microsoft-managed).', mp);
  put('policy.migration_complete', methodsPolicy ? flag(migrationState === 'migrationComplete') : null, 'Methods policy migration complete',
    '1 when policyMigrationState is "migrationComplete" (legacy MFA and SSPR method settings no longer apply).', mp);
  put('policy.system_preferred', beta ? flag(systemPreferred === 'enabled') : null, 'System-preferred MFA enabled (policy)',
    '1 when systemCredentialPreferences.state is "enabled" (beta); 0 for "disabled" or "default" (Microsoft-managed).', 'authenticationMethodsPolicyBeta');
  put('policy.authenticator_context', authenticator ? flag(featureState('displayAppInformationRequiredState') === 'enabled' && featureState('displayLocationInformationRequiredState') === 'enabled') : null,
    'Authenticator shows app and location', '1 when the Authenticator configuration shows the application name and the geographic location in push notifications ("enabled", not Microsoft-managed).', mp);
  const caCount = (f: (p: PolicyModel) => boolean) => (caRows ? policies.filter(f).length : null);
  put('policy.ca.enabled', caCount((p) => p.state === 'enabled'), 'CA policies enabled', 'Conditional Access policies in state "enabled".', 'conditionalAccessPolicies');
  put('policy.ca.report_only', caCount((p) => p.state === 'report_only'), 'CA policies report-only', 'Conditional Access policies in state "enabledForReportingButNotEnforced".', 'conditionalAccessPolicies');
  put('policy.ca.mfa_enabled', caCount((p) => p.state === 'enabled' && p.required !== null), 'Enabled CA policies requiring MFA',
    'Enabled Conditional Access policies whose grant requires MFA or an authentication strength (any conditions).', 'conditionalAccessPolicies');
  put('policy.ca.mfa_unconditional_all_users', caCount((p) => p.state === 'enabled' && p.required !== null && p.narrowing.length === 0 && p.targets.includeAll),
    'Enabled all-users MFA policies', 'Enabled CA policies including All users that require MFA or a strength with no narrowing condition.', 'conditionalAccessPolicies');

  return {
    inputs,
    notes,
    basis,
    metrics: { values, info },
    block: (fold) => ({
      assessable: inputs !== null,
      basis,
      notes: [...notes],
      securityDefaults,
      policies: policies
        .map((p, i) => ({
          id: p.id,
          displayName: p.displayName,
          state: p.state,
          role: roleOf(p),
          targets: policyTargets(p),
          grant: p.grant,
          required: p.required,
          narrowing: [...p.narrowing],
          appliesTo: fold ? fold.appliesTo[i]! : null,
          excludes: fold ? fold.excludes[i]! : null,
        }))
        .sort((a, b) => a.displayName.localeCompare(b.displayName, 'en') || (a.id < b.id ? -1 : 1)),
      methods: configs.map((c) => ({ id: c.id, state: typeof c.state === 'string' ? c.state : 'unknown', targets: targetWords(c) })).sort((a, b) => a.id.localeCompare(b.id)),
      registrationCampaign: campaignState,
      migrationState,
      systemPreferred,
    }),
  };
}
