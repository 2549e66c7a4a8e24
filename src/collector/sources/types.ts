import type { Budget } from '../../graph/client.js';

/** A Graph report the collector fetches into one snapshot file. */
export interface SourceDef {
  id: string;
  title: string;
  apiVersion: 'v1.0' | 'beta';
  /**
   * First request of each slice, relative to the version root. A report that is one object per parameter set
   * (usersRegisteredByFeature/Method) has one request per slice; every response's rows go to the same file.
   */
  requests: string[];
  /** Microsoft retired the report (graph-api.md §0): an empty or 404/410 answer means "retired", not "no data". */
  retired?: { since: string; successor: string };
  /** Documented as not supported with application permissions (graph-api.md §5, §6, §S). */
  delegatedOnly?: boolean;
  /**
   * Which request budget paces it: 'reports' (default; identity-and-access reports, 5 requests / 10 s per app and
   * tenant) or 'directory' (role management and groups, paced by the directory's own, higher limits).
   */
  budget?: Budget;
  /** Required permission, for messages. */
  permission: string;
  /**
   * Directory roles a signed-in user needs to read it (delegated sign-in), for messages; default: the report
   * reader roles (Reports Reader, Security Reader, Security Administrator or Global Reader).
   */
  readerRoles?: string;
  /**
   * For a source whose requests depend on other sources' rows (e.g. members of the groups that hold roles):
   * the ids it waits for, and a function that builds its requests from their committed files.
   */
  dependsOn?: string[];
  requestsFrom?: (readRows: (sourceId: string) => AsyncIterable<unknown>) => Promise<string[]>;
  /** Rows are keyed by this function for duplicate detection (default: the row's `id`). */
  rowKey?: (row: Record<string, unknown>) => string | undefined;
  /** One row per user, this many to a page: with the tenant's user count, the pages to expect (progress, ETA). */
  usersPerPage?: number;
  /** The tenant's user count, when a row of this report states it (the all-users, all-roles slice). */
  userCountOf?: (row: Record<string, unknown>) => number | undefined;
  /** Ask once more without $top when the first request of a slice answers 400 (some tenants reject the documented $top). */
  retryWithoutTop?: boolean;
  /**
   * For a source with one request per item (the members of each group a role or a policy names): the row stored when
   * an item's request answers 404 (the item was deleted since it was named), instead of failing the source.
   */
  goneRow?: (request: string, code: string | null) => Record<string, unknown>;
  /** Turns a wire row into the stored row (e.g. to add the group a member row belongs to); gets the request. */
  mapRow?: (row: Record<string, unknown>, request: string) => Record<string, unknown>;
}

/** totalUserCount of the slice over every user type and role (usersRegisteredByFeature/Method rows). */
export function allUsersCount(row: Record<string, unknown>): number | undefined {
  const all = (v: unknown) => v === undefined || v === 'all';
  return all(row.userTypes) && all(row.userRoles) && typeof row.totalUserCount === 'number' ? row.totalUserCount : undefined;
}

/** The role sources whose rows name the groups that hold a role (active or eligible). */
export const ROLE_HOLDER_SOURCES = ['roleAssignments', 'roleEligibilityScheduleInstances'];

/**
 * The ids of the groups that hold a directory role, active or eligible, sorted: what the group sources
 * (roleGroupMembers, groupEligibilityScheduleInstances) ask about, one request per group.
 */
export async function roleHoldingGroups(readRows: (sourceId: string) => AsyncIterable<unknown>): Promise<string[]> {
  const groups = new Set<string>();
  for (const source of ROLE_HOLDER_SOURCES) {
    for await (const row of readRows(source)) {
      const r = row as { principalId?: unknown; principal?: { '@odata.type'?: unknown } };
      if (r.principal?.['@odata.type'] === '#microsoft.graph.group' && typeof r.principalId === 'string') groups.add(r.principalId);
    }
  }
  return [...groups].sort();
}

/** Roles that can read the authentication methods policy, strengths and security defaults (delegated). */
export const POLICY_READER_ROLES = 'Global Reader, Security Reader or Security Administrator';
/** Roles that can read Conditional Access policies (delegated). */
export const CA_READER_ROLES = 'Global Reader, Security Reader, Security Administrator or Conditional Access Administrator';

const MEMBERS_OF = /^\/groups\/([^/]+)\/transitiveMembers/;

/**
 * The request, row and key of a "transitive user members of these groups" source (roleGroupMembers, caGroupMembers):
 * one request per group; each stored row is {groupId, userId, userPrincipalName, displayName}, keyed group/user.
 */
export const groupMemberRows: Pick<SourceDef, 'mapRow' | 'rowKey' | 'goneRow'> & { request: (groupId: string) => string } = {
  request: (id) => `/groups/${encodeURIComponent(id)}/transitiveMembers/microsoft.graph.user?$select=id,userPrincipalName,displayName`,
  /** a group named by a role or policy but deleted since: {groupId, userId: null, gone: Graph's code} (no member) */
  goneRow: (request, code) => ({ groupId: decodeURIComponent(MEMBERS_OF.exec(request)?.[1] ?? ''), userId: null, gone: code ?? 'HTTP 404' }),
  mapRow(row, request) {
    const groupId = decodeURIComponent(MEMBERS_OF.exec(request)?.[1] ?? '');
    return { groupId, userId: row.id, userPrincipalName: row.userPrincipalName, displayName: row.displayName };
  },
  rowKey: (row) => `${String(row.groupId)}/${String(row.userId)}`,
};
