import type { Builder, Dataquery } from '@grafana/grafana-foundation-sdk/cog';
import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';
import { POSTGRES } from './datasources.js';

/**
 * A query of Grafana's PostgreSQL data source in code mode. The SDK has no
 * builder for it, so this is the custom query type its README describes:
 * `rawSql` may use Grafana's macros ($__timeFilter, $__timeGroupAlias…) and
 * template variables ($plc); test/grafana-sql.test.ts expands and runs each one.
 */
export interface SqlQuery {
  refId?: string;
  hide?: boolean;
  datasource?: DataSourceRef;
  rawSql: string;
  rawQuery: true;
  editorMode: 'code';
  format: 'time_series' | 'table';
  _implementsDataqueryVariant(): void;
}

export class SqlQueryBuilder implements Builder<Dataquery> {
  private readonly internal: SqlQuery;

  constructor(rawSql: string, format: SqlQuery['format'] = 'time_series') {
    this.internal = { datasource: POSTGRES, rawSql: dedent(rawSql), rawQuery: true, editorMode: 'code', format, _implementsDataqueryVariant() {} };
  }

  build(): SqlQuery {
    return this.internal;
  }

  refId(refId: string): this {
    this.internal.refId = refId;
    return this;
  }
}

/** SQL written indented in TypeScript, stored without the indent (readable in Grafana's editor). */
function dedent(s: string): string {
  const lines = s.replace(/^\n+|\s+$/g, '').split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^ */.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join('\n');
}
