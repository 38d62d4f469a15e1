import { StartupError } from '../errors/startup-error.js';
import type { Logger } from '../log/logger.js';
import type { Database, Queryable } from './database.js';
import { readMigrationFiles, type MigrationFile } from './migration-files.js';

/**
 * Applies sql/NNN_name.sql files that are not yet in schema_migrations,
 * in order, each in its own transaction. A session advisory lock makes
 * processes that start together (gateway functions, tests) take turns;
 * the later ones then find nothing to do.
 */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/** Arbitrary, fixed: "typed_cl" in ASCII. Every TypedCluster migrator uses it. */
const LOCK_KEY = (0x74797065645f636cn).toString();

const BOOTSTRAP = `
CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer     PRIMARY KEY,
  name       text        NOT NULL,
  checksum   text        NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE schema_migrations IS 'Files from sql/ applied by core/src/db/migrations.ts; checksum is sha256 of the file text.';`;

/** Returns the migrations applied by this call (empty when the schema was current). */
export async function migrate(db: Database, sqlDir: string, log: Logger): Promise<AppliedMigration[]> {
  const files = await readMigrationFiles(sqlDir);
  return db.withClient(async (c) => {
    await c.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
    try {
      await c.query(BOOTSTRAP);
      const done = await c.query<{ version: number; name: string; checksum: string }>('SELECT version, name, checksum FROM schema_migrations');
      const applied = new Map(done.rows.map((r) => [r.version, r]));
      for (const f of files) {
        const row = applied.get(f.version);
        if (row && (row.checksum !== f.checksum || row.name !== f.name)) {
          throw new StartupError(
            'MIGRATION_CHANGED',
            `sql/${f.file} was changed after it was applied to this database (recorded ${row.name}, sha256 ${row.checksum.slice(0, 12)}…, now ${f.checksum.slice(0, 12)}…)`,
            'restore the file as it was and put the change in a new migration with the next number',
          );
        }
      }
      const known = new Set(files.map((f) => f.version));
      for (const r of done.rows) {
        if (!known.has(r.version)) log.warn('database has a migration this code does not know (newer code ran here?)', { version: r.version, name: r.name });
      }
      const out: AppliedMigration[] = [];
      for (const f of files.filter((x) => !applied.has(x.version))) {
        await applyOne(c, f);
        log.info('applied migration', { file: f.file });
        out.push({ version: f.version, name: f.name });
      }
      return out;
    } finally {
      await c.query('SELECT pg_advisory_unlock($1)', [LOCK_KEY]).catch(() => undefined);
    }
  });
}

async function applyOne(c: Queryable, f: MigrationFile): Promise<void> {
  await c.query('BEGIN');
  try {
    // No parameters: the simple protocol runs the whole file, many statements.
    await c.query(f.sql);
    await c.query('INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)', [f.version, f.name, f.checksum]);
    await c.query('COMMIT');
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    const err = e as { message?: string; position?: string };
    const line = err.position ? `, line ${lineOf(f.sql, Number(err.position))}` : '';
    throw new StartupError('MIGRATION_FAILED', `sql/${f.file}${line}: ${err.message ?? String(e)}`, 'fix the file; nothing from it was applied');
  }
}

const lineOf = (text: string, position: number): number => text.slice(0, Math.max(0, position - 1)).split('\n').length;
