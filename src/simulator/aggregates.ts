/**
 * The summary reports of the synthetic tenant, counted from the user rows (users.ts) in one pass on first use, so
 * they agree with the rows, which the doc samples do not (graph-api.md §5): usersRegisteredByFeature (§5) and
 * usersRegisteredByMethod (§6) per includedUserTypes × includedUserRoles slice, and credentialUserRegistrationCount
 * (§1).
 */
import type {
  CredentialUserRegistrationCount,
  IncludedUserRoles,
  IncludedUserTypes,
  UserRegistrationFeatureSummary,
  UserRegistrationMethodSummary,
} from '../graph/types.js';
import { INCLUDED_USER_ROLES, INCLUDED_USER_TYPES } from '../graph/types.js';
import { streamKey, uuidFor } from './prng.js';
import { PRIVILEGED_ADMIN_ROLE_IDS, type CoreUser } from './users.js';

const PRIVILEGED_SET = new Set(PRIVILEGED_ADMIN_ROLE_IDS);

const FEATURES = ['ssprRegistered', 'ssprEnabled', 'ssprCapable', 'passwordlessCapable', 'mfaCapable'] as const;

interface SliceCounts {
  total: number;
  features: Record<(typeof FEATURES)[number], number>;
  methods: Map<string, number>;
}

interface Aggregates {
  slices: Map<string, SliceCounts>;
  mfaRegistered: number;
}

const sliceKey = (types: IncludedUserTypes, roles: IncludedUserRoles): string => `${types}/${roles}`;

function assertSlice(types: IncludedUserTypes, roles: IncludedUserRoles): void {
  if (!INCLUDED_USER_TYPES.includes(types)) throw new RangeError(`unknown includedUserTypes '${String(types)}'`);
  if (!INCLUDED_USER_ROLES.includes(roles)) throw new RangeError(`unknown includedUserRoles '${String(roles)}'`);
}

export interface AggregatesOptions {
  seed: number;
  userCount: number;
  core(i: number): CoreUser;
}

export interface SummaryReports {
  featureSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationFeatureSummary;
  methodSummary(types: IncludedUserTypes, roles: IncludedUserRoles): UserRegistrationMethodSummary;
  credentialUserRegistrationCount(): CredentialUserRegistrationCount;
}

export function createSummaryReports({ seed, userCount, core }: AggregatesOptions): SummaryReports {
  let aggregates: Aggregates | undefined;
  function aggregate(): Aggregates {
    if (aggregates) return aggregates;
    const slices = new Map<string, SliceCounts>();
    for (const t of INCLUDED_USER_TYPES) {
      for (const r of INCLUDED_USER_ROLES) {
        slices.set(sliceKey(t, r), {
          total: 0,
          features: { ssprRegistered: 0, ssprEnabled: 0, ssprCapable: 0, passwordlessCapable: 0, mfaCapable: 0 },
          methods: new Map(),
        });
      }
    }
    let mfaRegistered = 0;
    for (let i = 0; i < userCount; i++) {
      const c = core(i);
      if (c.isMfaRegistered) mfaRegistered++;
      // Slices as the report defines them (§5): member = not guest; admin = any admin role; user = no admin role.
      const types: IncludedUserTypes[] = ['all', c.userType === 'guest' ? 'guest' : 'member'];
      const roles: IncludedUserRoles[] = ['all'];
      if (c.isAdmin === true) {
        roles.push('admin');
        if (c.role !== null && PRIVILEGED_SET.has(c.role)) roles.push('privilegedAdmin');
      } else {
        roles.push('user');
      }
      for (const t of types) {
        for (const r of roles) {
          const s = slices.get(sliceKey(t, r));
          if (!s) continue;
          s.total++;
          if (c.isSsprRegistered) s.features.ssprRegistered++;
          if (c.isSsprEnabled) s.features.ssprEnabled++;
          if (c.isSsprCapable) s.features.ssprCapable++;
          if (c.isPasswordlessCapable) s.features.passwordlessCapable++;
          if (c.isMfaCapable) s.features.mfaCapable++;
          for (const m of c.methods) s.methods.set(m, (s.methods.get(m) ?? 0) + 1);
        }
      }
    }
    aggregates = { slices, mfaRegistered };
    return aggregates;
  }

  function slice(types: IncludedUserTypes, roles: IncludedUserRoles): SliceCounts {
    assertSlice(types, roles);
    const s = aggregate().slices.get(sliceKey(types, roles));
    if (!s) throw new Error(`missing slice ${sliceKey(types, roles)}`);
    return s;
  }
  return {
    featureSummary(types, roles) {
      const s = slice(types, roles);
      return {
        totalUserCount: s.total,
        userRegistrationFeatureCounts: FEATURES.map((feature) => ({ feature, userCount: s.features[feature] })),
        userTypes: types,
        userRoles: roles,
      };
    },
    methodSummary(types, roles) {
      const s = slice(types, roles);
      // Everyone in the slice has a password (§6 example counts 'password' like any method).
      const counts = [...s.methods.entries(), ['password', s.total] as const]
        .map(([authenticationMethod, userCount]) => ({ authenticationMethod, userCount }))
        .sort((a, b) => (a.authenticationMethod < b.authenticationMethod ? -1 : 1));
      return { totalUserCount: s.total, userRegistrationMethodCounts: counts, userTypes: types, userRoles: roles };
    },
    credentialUserRegistrationCount() {
      const { slices, mfaRegistered } = aggregate();
      const all = slices.get(sliceKey('all', 'all'));
      if (!all) throw new Error('missing slice all/all');
      return {
        id: uuidFor(streamKey(seed, 'credential-count'), 0),
        totalUserCount: userCount,
        userRegistrationCounts: [
          { registrationStatus: 'registered', registrationCount: all.features.ssprRegistered },
          { registrationStatus: 'enabled', registrationCount: all.features.ssprEnabled },
          { registrationStatus: 'capable', registrationCount: all.features.ssprCapable },
          { registrationStatus: 'mfaRegistered', registrationCount: mfaRegistered },
        ],
      };
    },
  };
}
