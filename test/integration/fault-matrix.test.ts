/**
 * Issue #8 fault matrix: each fault injected by the simulator, through the real CLI and collector. Each row states
 * the per-source status, the exit code and a message fragment; where data is incomplete, no metric is computed
 * from it (the dependent checks are `error`). The killed-and-resumed case is in resume-throttle.test.ts.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { FaultRule, SimulatorOptions } from '../../src/simulator/server.js';
import { startSimulator } from '../../src/simulator/server.js';
import { createTenant } from '../../src/simulator/tenant.js';
import { runCli } from '../helpers/cli.js';

const TOKEN = 'fault-token';
const tenant = createTenant({ seed: 8, users: 2500 });
const URD = 'userRegistrationDetails';
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'eaa-faults-'));
});

interface Row {
  fault: string;
  faults?: FaultRule[];
  sim?: Partial<SimulatorOptions>;
  extra?: string[];
  status: string;
  exit: number;
  message?: RegExp;
  duplicates?: number;
}

const MATRIX: Row[] = [
  { fault: '429 storm, Retry-After 1 (integer)', faults: [{ path: URD, nth: 2, times: 3, status: 429, retryAfter: '1' }], status: 'ok', exit: 0 },
  { fault: '429 storm, Retry-After 0.3 (fractional)', faults: [{ path: URD, nth: 1, times: 4, status: 429, retryAfter: '0.3' }], status: 'ok', exit: 0 },
  { fault: '503 burst', faults: [{ path: URD, nth: 2, times: 2, status: 503, retryAfter: '0.2' }], status: 'ok', exit: 0 },
  { fault: '504 burst', faults: [{ path: URD, nth: 2, times: 2, status: 504, retryAfter: '0.2' }], status: 'ok', exit: 0 },
  { fault: 'connection reset mid-body', faults: [{ path: URD, nth: 2, times: 1, action: 'cut' }], status: 'ok', exit: 0 },
  { fault: 'connection dropped before the answer', faults: [{ path: URD, nth: 2, times: 1, action: 'drop' }], status: 'ok', exit: 0 },
  { fault: 'a page slower than the timeout', faults: [{ path: URD, nth: 2, times: 1, action: 'slow', delayMs: 4000 }], extra: ['--request-timeout', '1'], status: 'ok', exit: 0 },
  { fault: 'truncated JSON on every attempt', faults: [{ path: URD, nth: 2, times: Infinity, action: 'cut' }], status: 'error', exit: 6, message: /not valid JSON|truncated|terminated|socket/i },
  { fault: 'a nextLink loop', faults: [{ path: URD, nth: 2, times: 1, action: 'loop' }], status: 'error', exit: 6, message: /nextLink repeats/ },
  { fault: 'duplicate rows across pages', faults: [{ path: URD, nth: 2, times: 1, action: 'dup' }], status: 'ok', exit: 0, duplicates: 1 },
  { fault: '401 after the token expires mid-run', faults: [{ path: URD, nth: 3, times: 1, status: 401, code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' }], status: 'ok', exit: 0 },
  { fault: '403 licence, transient', faults: [{ path: URD, nth: 1, times: 1, status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' }], status: 'ok', exit: 0 },
  { fault: '403 licence, persistent', faults: [{ path: URD, times: Infinity, status: 403, code: 'Authentication_RequestFromNonPremiumTenantOrB2CTenant' }], status: 'unavailable', exit: 6, message: /P1 or P2/ },
  { fault: '403 missing permission', faults: [{ path: URD, times: Infinity, status: 403, code: 'Authentication_MSGraphPermissionMissing', message: 'Calling principal does not have required MSGraph permissions AuditLog.Read.All' }], status: 'forbidden', exit: 6, message: /AuditLog\.Read\.All/ },
];

describe.each(MATRIX)('$fault', (row) => {
  it(`→ ${row.status}, exit ${row.exit}`, async () => {
    const sim = await startSimulator({ tenant, token: TOKEN, faults: row.faults, ...row.sim });
    const out = join(dir, row.fault.replace(/\W+/g, '-'));
    try {
      const res = await runCli(
        ['run', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', out, '--no-pdf', ...(row.extra ?? [])],
        { ENTRA_AUTH_AUDIT_TOKEN: TOKEN },
      );
      expect(res.code, res.stderr).toBe(row.exit);
      const manifest = JSON.parse(await readFile(join(out, 'snapshot', 'manifest.json'), 'utf8'));
      const urd = manifest.sources.find((s: { id: string }) => s.id === URD);
      expect(urd.status).toBe(row.status);
      if (row.message) expect(`${urd.errorMessage} ${res.stderr}`).toMatch(row.message);
      const results = JSON.parse(await readFile(join(out, 'results.json'), 'utf8'));
      if (row.status === 'ok') {
        // complete data: every row once, whatever the fault
        expect(urd.records).toBe(tenant.userCount);
        expect(urd.duplicatesDropped).toBe(row.duplicates ?? 0);
        expect(results.metrics['users.in_scope'].value + results.metrics['users.guests'].value).toBe(tenant.userCount);
      } else {
        // incomplete data: no metric from it, and every check that needs it is an error naming the source
        expect(results.metrics['mfa.capable'].value).toBeNull();
        for (const f of results.findings.filter((x: { requires: string[] }) => x.requires.includes(URD))) {
          expect(f.status).toBe('error');
          expect(f.errorReason).toContain(URD);
        }
      }
    } finally {
      await sim.close();
    }
  });
});

it('retired endpoints that answer 410 are recorded as retired, and their successors are used', async () => {
  const sim = await startSimulator({ tenant, token: TOKEN, retired: 'gone' });
  try {
    const out = join(dir, 'gone');
    const res = await runCli(['collect', '--tenant', tenant.tenantId, '--auth', 'token', '--graph-url', sim.url, '--out', out], { ENTRA_AUTH_AUDIT_TOKEN: TOKEN });
    expect(res.code, res.stderr).toBe(0);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8'));
    for (const id of ['userCredentialUsageDetails', 'credentialUsageSummary', 'credentialUserRegistrationDetails']) {
      const s = manifest.sources.find((x: { id: string }) => x.id === id);
      expect(s.status, id).toBe('retired');
      expect(s.httpStatus).toBe(410);
    }
  } finally {
    await sim.close();
  }
});
