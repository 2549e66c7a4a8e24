/**
 * Access preflight: tries every source with the smallest request and says, per source, whether it works and, if
 * not, the exact problem and what to do. Reads the token's `roles` / `scp` claims when the token is a JWT (it is
 * decoded locally, never printed or sent anywhere else).
 */
import type { GraphTransport } from '../graph/client.js';
import { graphErrorCode, graphErrorMessage, LICENCE_CODE, PIM_LICENCE_CODE } from '../graph/errors.js';
import { SOURCES, type SourceDef } from './sources/index.js';

/** Reports Microsoft documents for the global cloud only (graph-api.md table: credentialUserRegistrationCount, userCredentialUsageDetails). */
const GLOBAL_CLOUD_ONLY: ReadonlySet<string> = new Set(['credentialUserRegistrationCount', 'userCredentialUsageDetails']);

export interface TokenClaims {
  /** application permissions (app-only token) */
  roles: string[];
  /** delegated scopes (user token) */
  scopes: string[];
  kind: 'application' | 'delegated' | 'unknown';
}

export interface DoctorRow {
  source: string;
  ok: boolean;
  /** 'ok', or a short statement of the problem */
  problem: string;
  /** what to do; empty when ok */
  fix: string;
}

const READER_ROLES = 'Reports Reader, Security Reader, Security Administrator or Global Reader';
/** Conditional Access: the one policy read that needs Microsoft Entra ID P1. */
const CA_PATH = /^\/identity\/conditionalAccess\//;

/** Decodes the claims of a JWT access token without verifying it (Graph verifies it); null when not a JWT. */
export function readClaims(token: string): TokenClaims | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { roles?: unknown; scp?: unknown };
    const roles = Array.isArray(payload.roles) ? payload.roles.filter((r): r is string => typeof r === 'string') : [];
    const scopes = typeof payload.scp === 'string' ? payload.scp.split(' ').filter(Boolean) : [];
    return { roles, scopes, kind: roles.length > 0 ? 'application' : scopes.length > 0 ? 'delegated' : 'unknown' };
  } catch {
    return null;
  }
}

/** The smallest request of a source: one row of a paged report, the first slice of a sliced one. */
export function probeRequest(def: SourceDef): string {
  return smallest(def.requests[0]!);
}

function smallest(request: string): string {
  return request.replace(/\$top=\d+/, '$top=1');
}

/** The permission names a source accepts (graph-api.md §0, §S). */
function permissionNames(def: SourceDef): string[] {
  return def.permission.replace(/\s*\(.*\)$/, '').split(/\s*\/\s*/);
}

export function diagnose(def: SourceDef, status: number, code: string | null, message: string, claims: TokenClaims | null): DoctorRow {
  const source = def.id;
  const perm = permissionNames(def).join(' or ');
  const readerRoles = def.readerRoles ?? READER_ROLES;
  if (status >= 200 && status < 300) return { source, ok: true, problem: 'ok', fix: '' };
  if (def.retired && (status === 404 || status === 410)) {
    return { source, ok: true, problem: `retired by Microsoft on ${def.retired.since}`, fix: `nothing to do: ${def.retired.successor} is collected instead` };
  }
  if (status === 403 && code === LICENCE_CODE) {
    return {
      source,
      ok: false,
      problem: 'no Microsoft Entra ID P1/P2 licence (403 ' + LICENCE_CODE + ')',
      fix: CA_PATH.test(def.requests[0] ?? '')
        ? 'Conditional Access needs Microsoft Entra ID P1 (or P2): assign it in the tenant; until then the CA policies are not collected and the analysis says so'
        : 'assign Microsoft Entra ID P1 or P2 in the tenant; if it is licensed, retry later (Graph answers this transiently at times)',
    };
  }
  if (status === 401 || status === 403) {
    if (def.delegatedOnly && claims?.kind === 'application') {
      return {
        source,
        ok: false,
        problem: 'not supported with application permissions',
        fix: `collect it with a delegated sign-in (--auth device-code or azure-cli) by a user holding ${readerRoles}, with ${perm} consented`,
      };
    }
    if (claims?.kind === 'application' && !permissionNames(def).some((p) => claims.roles.includes(p))) {
      return { source, ok: false, problem: `missing application permission ${perm}`, fix: `grant ${perm} (application) to the app and grant admin consent` };
    }
    if (claims?.kind === 'delegated' && !permissionNames(def).some((p) => claims.scopes.includes(p))) {
      return { source, ok: false, problem: `missing delegated permission ${perm}`, fix: `consent ${perm} (delegated) for the client app` };
    }
    if (claims?.kind === 'delegated') {
      return { source, ok: false, problem: `missing directory role (${code ?? status}: ${message})`, fix: `assign the signed-in user ${readerRoles}` };
    }
    return { source, ok: false, problem: `access denied (${code ?? status}: ${message})`, fix: `grant ${perm}; for a user sign-in also one of ${readerRoles}` };
  }
  if (status === 400 && code === PIM_LICENCE_CODE) {
    // PIM (eligible role assignments, PIM for Groups) without P2: Graph answers 400, which is no cloud or URL problem.
    return {
      source,
      ok: false,
      problem: `no Microsoft Entra ID P2 licence (400 ${PIM_LICENCE_CODE})`,
      fix: 'assign Microsoft Entra ID P2 or Microsoft Entra ID Governance in the tenant (PIM needs it); until then eligible assignments are not collected and the analysis says so',
    };
  }
  if (status === 404 || status === 400) {
    const fix = GLOBAL_CLOUD_ONLY.has(source)
      ? 'this report exists in the global cloud only: expected with --cloud usgov, usgov-dod or china'
      : 'check --cloud and --graph-url: the path is not served there';
    return { source, ok: false, problem: `HTTP ${status} ${code ?? ''}: ${message}`.trim(), fix };
  }
  return { source, ok: false, problem: `HTTP ${status} ${code ?? ''}: ${message}`.trim(), fix: 'retry later; if it persists, check the Microsoft 365 service health' };
}

export async function doctor(transport: GraphTransport, token: string | null, sources: readonly SourceDef[] = SOURCES): Promise<{ claims: TokenClaims | null; rows: DoctorRow[] }> {
  const claims = token ? readClaims(token) : null;
  const rows: DoctorRow[] = [];
  /** the rows of each probe that answered, for the sources whose requests are built from them */
  const answered = new Map<string, unknown[]>();
  for (const def of sources) {
    let path: string;
    if (def.requestsFrom) {
      // e.g. members of the groups holding roles: ask about the first group the role probes named
      const deps = def.dependsOn ?? [];
      const usable = deps.filter((id) => answered.has(id));
      if (usable.length === 0) {
        rows.push({ source: def.id, ok: false, problem: `not checked: needs ${deps.join(' or ')} to answer first`, fix: 'fix those sources, then run doctor again' });
        continue;
      }
      const requests = await def.requestsFrom(async function* (id) {
        yield* answered.get(id) ?? [];
      });
      if (requests.length === 0) {
        const why = deps.includes('conditionalAccessPolicies') ? 'no policy names a group there' : 'no group holds a role there';
        rows.push({ source: def.id, ok: true, problem: `nothing to check: the first page of ${usable.join(' and ')} names nothing to ask about (${why})`, fix: '' });
        continue;
      }
      path = smallest(requests[0]!);
    } else {
      path = probeRequest(def);
    }
    try {
      const res = await transport.get(path, def.apiVersion, 0, def.budget ?? 'reports');
      const message = (graphErrorMessage(res.body) ?? '').slice(0, 200);
      let row = diagnose(def, res.status, graphErrorCode(res.body), message, claims);
      const value = (res.body as { value?: unknown } | undefined)?.value;
      if (row.ok && Array.isArray(value)) answered.set(def.id, value);
      if (row.ok && def.retired && Array.isArray(value) && value.length === 0) {
        row = { source: def.id, ok: true, problem: `retired by Microsoft on ${def.retired.since} (answers no data)`, fix: `nothing to do: ${def.retired.successor} is collected instead` };
      }
      rows.push(row);
    } catch (e) {
      rows.push({ source: def.id, ok: false, problem: `no answer: ${(e as Error).message}`, fix: 'check the network, --graph-url and --cloud' });
    }
  }
  return { claims, rows };
}
