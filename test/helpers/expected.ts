/**
 * Metrics computed straight from the simulator's generator, written independently of src/metrics so the
 * integration test compares two implementations of the definitions (issues #2, #3, #4).
 */
import { ENTRA_PRIVILEGED_ROLE_IDS } from '../../src/simulator/roles.js';
import type { SimTenant } from '../../src/simulator/tenant.js';

const PR = new Set([
  'fido2', 'fido2SecurityKey', 'passKeyDeviceBound', 'passKeyDeviceBoundAuthenticator', 'passKeyDeviceBoundWindowsHello',
  'passKeySynced', 'windowsHelloForBusiness', 'macOsSecureEnclaveKey', 'certificateBasedAuthentication',
]);
const PHONE = new Set(['mobilePhone', 'alternateMobilePhone', 'officePhone', 'sms', 'voice']);
const NOT_MFA = new Set(['email', 'securityQuestion', 'password', 'appPassword']);

type MV = { value: number | null; numerator?: number; denominator?: number };
const r = (n: number, d: number): MV => ({ value: d === 0 ? null : Math.round((n / d) * 10000) / 10000, numerator: n, denominator: d });

/** User indexes holding an active assignment of any directory role, directly or through a group. */
function activeAnyRole(tenant: SimTenant): Set<number> {
  const out = new Set<number>();
  for (const a of tenant.roleAssignments()) if (a.principal.type === 'user' && a.principal.userIndex !== undefined) out.add(a.principal.userIndex);
  for (const g of tenant.groups()) if (g.activeRoleIds.length > 0) for (const i of g.transitiveUserIndexes) out.add(i);
  return out;
}

export function expectedMetrics(tenant: SimTenant, opts: { roles: boolean } = { roles: true }): Record<string, MV> {
  const adminIdx = opts.roles ? new Set(tenant.privilegedHolders(new Set(ENTRA_PRIVILEGED_ROLE_IDS)).userIndexes) : null;
  const active = opts.roles ? activeAnyRole(tenant) : null;
  let pop = 0, guests = 0, admins = 0, adminsCapable = 0, adminsPR = 0, guestsCapable = 0, pr = 0, phoneOnly = 0;
  let regNotCapable = 0, ssprNotReg = 0, mismatch = 0;
  const t: Record<string, number> = {};
  const methods: Record<string, number> = {};
  const fields = ['isMfaCapable', 'isMfaRegistered', 'isSsprRegistered', 'isSsprEnabled', 'isSsprCapable', 'isPasswordlessCapable', 'isSystemPreferredAuthenticationMethodEnabled'] as const;
  for (let i = 0; i < tenant.userCount; i++) {
    const u = tenant.user(i);
    const hasPR = u.methodsRegistered.some((m) => PR.has(m) || m.startsWith('x509Certificate'));
    const isAdmin = adminIdx ? adminIdx.has(i) : u.isAdmin === true;
    if (active && (u.isAdmin === true) !== active.has(i)) mismatch++;
    if (isAdmin) {
      admins++;
      if (u.isMfaCapable) adminsCapable++;
      if (hasPR) adminsPR++;
    }
    if (u.userType === 'guest') {
      guests++;
      if (u.isMfaCapable) guestsCapable++;
      continue;
    }
    pop++;
    for (const f of fields) if (u[f] === true) t[f] = (t[f] ?? 0) + 1;
    if (hasPR) pr++;
    if (u.isMfaRegistered && !u.isMfaCapable) regNotCapable++;
    if (u.isSsprEnabled && !u.isSsprRegistered) ssprNotReg++;
    const mfa = u.methodsRegistered.filter((m) => !NOT_MFA.has(m));
    if (mfa.length > 0 && mfa.every((m) => PHONE.has(m))) phoneOnly++;
    for (const m of new Set(u.methodsRegistered)) methods[m] = (methods[m] ?? 0) + 1;
  }
  const out: Record<string, MV> = {
    'users.in_scope': { value: pop },
    'users.guests': { value: guests },
    'users.invalid_rows': { value: 0 },
    'users.excluded': { value: 0 },
    'mfa.capable': r(t.isMfaCapable ?? 0, pop),
    'mfa.registered': r(t.isMfaRegistered ?? 0, pop),
    'sspr.registered': r(t.isSsprRegistered ?? 0, pop),
    'sspr.enabled': r(t.isSsprEnabled ?? 0, pop),
    'sspr.capable': r(t.isSsprCapable ?? 0, pop),
    'passwordless.capable': r(t.isPasswordlessCapable ?? 0, pop),
    'system_preferred.enabled': r(t.isSystemPreferredAuthenticationMethodEnabled ?? 0, pop),
    'phishing_resistant.registered': r(pr, pop),
    'mfa.phone_only': r(phoneOnly, pop),
    'mfa.registered_not_capable': r(regNotCapable, pop),
    'sspr.enabled_not_registered': r(ssprNotReg, pop),
    'admins.total': { value: admins },
    'admins.mfa_capable': r(adminsCapable, admins),
    'admins.phishing_resistant': r(adminsPR, admins),
    'admins.without_phishing_resistant': { value: admins - adminsPR },
    'admins.not_assessable': { value: 0 },
    'data.admin_flag_mismatch': { value: active ? mismatch : null },
    'guests.mfa_capable': r(guestsCapable, guests),
  };
  for (const [m, n] of Object.entries(methods)) out[`methods.registered.${m}`] = { value: n };
  let rs = 0, rf = 0, gs = 0, gf = 0;
  for (const row of tenant.registrationActivity('d30')) {
    if (row.feature === 'reset') { rs += row.successfulActivityCount; rf += row.failureActivityCount; }
    if (row.feature === 'registration') { gs += row.successfulActivityCount; gf += row.failureActivityCount; }
  }
  out['sspr.reset.failure_rate'] = r(rf, rs + rf);
  out['registration.failure_rate'] = r(gf, gs + gf);
  return out;
}
