import assert from 'node:assert/strict';
import { createTestDatabase, type TestDatabase } from '@typedcluster/core';
import { POSTGRES, renderDashboards } from '@typedcluster/grafana';

/** A query of the PostgreSQL data source found in a dashboard, and where. */
interface FoundSql {
  readonly where: string;
  readonly sql: string;
}

type Json = Record<string, unknown>;
const isPostgres = (ds: unknown) => (ds as { uid?: string } | undefined)?.uid === POSTGRES.uid;

/** Every SQL text in a dashboard: panel targets, annotation targets, query variables. */
function findSql(dashboard: Json): FoundSql[] {
  const found: FoundSql[] = [];
  for (const p of (dashboard['panels'] as Json[] | undefined) ?? []) {
    for (const t of (p['targets'] as Json[] | undefined) ?? []) {
      if (isPostgres(t['datasource'])) found.push({ where: `panel "${String(p['title'])}"`, sql: String(t['rawSql']) });
    }
  }
  for (const a of ((dashboard['annotations'] as Json | undefined)?.['list'] as Json[] | undefined) ?? []) {
    const t = a['target'] as Json | undefined;
    if (t && isPostgres(a['datasource'])) found.push({ where: `annotation "${String(a['name'])}"`, sql: String(t['rawSql']) });
  }
  for (const v of ((dashboard['templating'] as Json | undefined)?.['list'] as Json[] | undefined) ?? []) {
    if (isPostgres(v['datasource'])) found.push({ where: `variable $${String(v['name'])}`, sql: String(v['query']) });
  }
  return found;
}

/**
 * Grafana's PostgreSQL macros and our template variables, expanded the way
 * Grafana does (grafana-postgresql-datasource macros.go): $__timeFilter,
 * $__timeGroupAlias with $__interval, $plc. Anything left starting with `$`
 * is a macro this test does not know: the test fails rather than guess.
 */
function expand(sql: string, o: { from: Date; to: Date; intervalSeconds: number; vars: Record<string, string> }): string {
  const out = sql
    .replaceAll('$__interval', `${o.intervalSeconds}s`)
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, col: string) => `${col.trim()} BETWEEN '${o.from.toISOString()}' AND '${o.to.toISOString()}'`)
    .replace(/\$__timeGroupAlias\(([^,]+),\s*'?(\d+)s'?\)/g, (_m, col: string, secs: string) => `floor(extract(epoch from ${col.trim()})/${secs})*${secs} AS "time"`)
    .replace(/\$\{?(\w+)\}?/g, (m, name: string) => o.vars[name] ?? m);
  assert.ok(!out.includes('$'), `unexpanded macro or variable in: ${out}`);
  return out;
}

describe('Grafana panel SQL against the real schema @integration', function () {
  this.timeout(120_000);
  let t: TestDatabase;
  const now = new Date('2026-11-21T08:30:00Z');
  const PLC = 3;

  before(async () => {
    t = await createTestDatabase('grafana_sql');
    const q = (sql: string, params: unknown[] = []) => t.db.query(sql, params);
    await q(`INSERT INTO devices (id, name, identity_public_key) VALUES ($1, 'press-3', $2)`, [PLC, Buffer.alloc(32, 1)]);
    // Two cycles, the second with s2 out of range in phase 3; one sensor reading stream on the same id.
    for (let cycle = 0; cycle < 2; cycle++) {
      const start = new Date(now.getTime() - 10 * 60_000 + cycle * 30_000);
      for (let phase = 1; phase <= 5; phase++) {
        await q(
          `INSERT INTO cycle_phases (device_id, seq, cycle_start, cycle_no, phase, phase_start, s1, s2, s3, s4, s5)
           VALUES ($1, $2, $3, $2, $4, $5, 2, $6, 3, 20, 0.5)`,
          [PLC, cycle + 1, start, phase, new Date(start.getTime() + (phase - 1) * 6000), cycle === 1 && phase === 3 ? 40 : 2],
        );
      }
    }
    await q(`INSERT INTO readings (device_id, seq, ts, temperature, pressure, humidity) VALUES ($1, 100, $2, 22.5, 101.3, 45)`, [PLC, new Date(now.getTime() - 60_000)]);
    await q(
      `INSERT INTO anomaly_reports (plc_id, cycle_no, phase, ts, detector, status, score, threshold, is_anomaly, confidence, affected_sensors, report)
       VALUES ($1, 2, 3, $2, 'phase-range', 'scored', 5.1, 1, true, 0.9, '{s2}', '{}'),
              ($1, 1, NULL, $3, 'zscore', 'unusable', NULL, NULL, false, NULL, '{}', '{}')`,
      [PLC, new Date(now.getTime() - 10 * 60_000 + 30_000), new Date(now.getTime() - 5 * 60_000)],
    );
  });
  after(() => t?.drop());

  for (const [file, text] of Object.entries(renderDashboards())) {
    const queries = findSql(JSON.parse(text) as Json);
    if (queries.length === 0) continue;
    it(`${file}: each of its ${queries.length} SQL queries runs and returns rows`, async () => {
      for (const q of queries) {
        const sql = expand(q.sql, { from: new Date(now.getTime() - 3_600_000), to: now, intervalSeconds: 60, vars: { plc: String(PLC) } });
        const r = await t.db.query(sql).catch((e: Error) => assert.fail(`${q.where}: ${e.message}\n${sql}`));
        assert.ok(r.rows.length > 0, `${q.where} returned no rows:\n${sql}`);
      }
    });
  }
});
