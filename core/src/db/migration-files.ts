import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StartupError } from '../errors/startup-error.js';

/** The repository's sql/ folder, found from this file (src/db or dist/db alike). */
export const SQL_DIR = fileURLToPath(new URL('../../../sql/', import.meta.url));

export interface MigrationFile {
  readonly version: number;
  /** File name without the number and extension: "core" for 001_core.sql. */
  readonly name: string;
  readonly file: string;
  readonly sql: string;
  /** sha256 (hex) of the text with line endings normalised, so a CRLF checkout is not "changed". */
  readonly checksum: string;
}

const NAME = /^(\d{3,})_([a-z0-9][a-z0-9_-]*)\.sql$/;

/** Reads `NNN_name.sql` files sorted by number. A misnamed .sql file is an error, not silently skipped. */
export async function readMigrationFiles(sqlDir: string): Promise<MigrationFile[]> {
  let names: string[];
  try {
    names = await readdir(sqlDir);
  } catch {
    throw new StartupError('CONFIG_MISSING', `migrations folder ${sqlDir} not found`, 'run from a full checkout (the sql/ folder ships with the code)');
  }
  const files: MigrationFile[] = [];
  for (const file of names.filter((n) => n.endsWith('.sql')).sort()) {
    const m = NAME.exec(file);
    if (!m?.[1] || !m[2]) {
      throw new StartupError('MIGRATION_FAILED', `sql/${file} is not named NNN_name.sql`, 'rename it, e.g. 002_add_alarms.sql (lower case, digits, _ and -)');
    }
    const text = (await readFile(join(sqlDir, file), 'utf8')).replace(/\r\n/g, '\n');
    files.push({ version: Number(m[1]), name: m[2], file, sql: text, checksum: createHash('sha256').update(text).digest('hex') });
  }
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    const [a, b] = [files[i - 1], files[i]];
    if (a && b && a.version === b.version) {
      throw new StartupError('MIGRATION_FAILED', `sql/${a.file} and sql/${b.file} share version ${a.version}`, 'give the newer one the next free number');
    }
  }
  return files;
}
