/**
 * Trends against earlier results (analyze --baseline): per metric the series and the delta since the latest
 * baseline; per finding new / resolved / persisting and the affected users that appeared or left. Reads only
 * results.json files and their affected-user sidecars: no re-collection.
 */
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SnapshotError } from '../errors.js';
import { readNdjson } from '../snapshot/reader.js';
import { round4 } from '../metrics/types.js';
import { ResultsSchema, upgradeResults, type AuditResult, type Trends } from '../results/schema.js';

export interface Baseline {
  results: AuditResult;
  /** folder of that results.json (its sidecars are relative to it) */
  dir: string;
}

const SAMPLE = 10;

export async function loadBaseline(path: string): Promise<Baseline> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new SnapshotError(`--baseline ${path}: cannot read results (${(e as Error).message}).`);
  }
  // archived quarters analysed before schema v2 still serve as baselines
  const parsed = ResultsSchema.safeParse(upgradeResults(raw));
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new SnapshotError(`--baseline ${path}: not a results.json of this version at '${i.path.join('.')}': ${i.message}. Analyze that snapshot again.`);
  }
  return { results: parsed.data, dir: dirname(path) };
}

export async function computeTrends(current: AuditResult, currentDir: string, baselines: readonly Baseline[]): Promise<Trends> {
  const ordered = [...baselines].sort((a, b) => a.results.asOf.localeCompare(b.results.asOf));
  for (const b of ordered) {
    if (b.results.tenant.id !== current.tenant.id) {
      throw new SnapshotError(`--baseline for tenant ${b.results.tenant.id} cannot be compared with tenant ${current.tenant.id}.`);
    }
    if (b.results.asOf >= current.asOf) {
      throw new SnapshotError(`--baseline taken at ${b.results.asOf} is not earlier than this snapshot (${current.asOf}).`);
    }
  }
  const latest = ordered.at(-1)!;
  const metrics: Trends['metrics'] = {};
  for (const id of Object.keys(current.metrics).sort()) {
    const series = [...ordered.map((b) => ({ asOf: b.results.asOf, value: b.results.metrics[id]?.value ?? null })), { asOf: current.asOf, value: current.metrics[id]!.value }];
    const prev = latest.results.metrics[id]?.value ?? null;
    const now = current.metrics[id]!.value;
    metrics[id] = { series, delta: prev === null || now === null ? null : round4(now - prev) };
  }
  const findings: Trends['findings'] = {};
  for (const f of current.findings) {
    const before = latest.results.findings.find((p) => p.checkId === f.checkId);
    const wasFail = before?.status === 'fail';
    const isFail = f.status === 'fail';
    const change = isFail && wasFail ? 'persisting' : isFail ? 'new' : wasFail ? 'resolved' : 'unchanged';
    let appeared: number | null = null;
    let left: number | null = null;
    const appearedSample: { id: string; userPrincipalName: string }[] = [];
    const leftSample: { id: string; userPrincipalName: string }[] = [];
    if (f.affected && before?.affected) {
      const prevIds = await idsOf(join(latest.dir, before.affected.file));
      const nowIds = await idsOf(join(currentDir, f.affected.file));
      appeared = 0;
      left = 0;
      for (const [id, upn] of nowIds) {
        if (prevIds.has(id)) continue;
        appeared++;
        if (appearedSample.length < SAMPLE) appearedSample.push({ id, userPrincipalName: upn });
      }
      for (const [id, upn] of prevIds) {
        if (nowIds.has(id)) continue;
        left++;
        if (leftSample.length < SAMPLE) leftSample.push({ id, userPrincipalName: upn });
      }
    }
    findings[f.checkId] = { previous: before?.status ?? null, change, appeared, left, appearedSample, leftSample };
  }
  return {
    baselines: ordered.map((b) => ({ asOf: b.results.asOf, manifestSha256: b.results.snapshot.manifestSha256, tenantId: b.results.tenant.id })),
    metrics,
    findings,
  };
}

/** id → UPN of a sidecar; a missing file (an archive without sidecars) means "unknown", not "nobody". */
async function idsOf(path: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const row of readNdjson(path)) {
    const r = row as { id?: unknown; userPrincipalName?: unknown };
    if (typeof r.id === 'string') out.set(r.id, typeof r.userPrincipalName === 'string' ? r.userPrincipalName : '');
  }
  return out;
}
