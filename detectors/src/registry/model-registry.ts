import { fail, ok, type Database, type Result } from '@typedcluster/core';
import type { DetectorArtefact } from '../detector.js';

/**
 * The model registry (sql/004_model_registry.sql): trained detector
 * versions with their artefacts. Versions count 1, 2, … per algorithm; at
 * most one version per algorithm is active. Every method returns a Result:
 * a database failure is DATABASE_ERROR, never a throw.
 */
export interface ModelInfo {
  readonly algorithm: string;
  readonly version: number;
  readonly features: readonly string[];
  readonly metrics: Readonly<Record<string, number>>;
  readonly trainedOn: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
  readonly active: boolean;
  readonly activatedAt: Date | undefined;
}

export interface StoredModel extends ModelInfo {
  readonly artefact: DetectorArtefact;
}

/** What the hot-reload poll compares: cheap, no artefact. */
export interface ActiveVersion {
  readonly algorithm: string;
  readonly version: number;
}

export interface SaveModel {
  readonly artefact: DetectorArtefact;
  readonly metrics?: Readonly<Record<string, number>>;
  readonly trainedOn?: Readonly<Record<string, unknown>>;
  readonly activate?: boolean;
}

export interface ModelRegistry {
  save(m: SaveModel): Promise<Result<ModelInfo>>;
  list(algorithm?: string): Promise<Result<ModelInfo[]>>;
  /** Makes this version the active one of its algorithm; MODEL_NOT_FOUND when absent. */
  activate(algorithm: string, version: number): Promise<Result<ModelInfo>>;
  /** The active version of `algorithm`, or with none given the most recently activated of any. */
  activeVersion(algorithm?: string): Promise<Result<ActiveVersion | undefined>>;
  load(algorithm: string, version: number): Promise<Result<StoredModel>>;
}

interface Row {
  algorithm: string;
  version: number;
  format_version: number;
  features: string[];
  params?: unknown;
  metrics: Record<string, number>;
  trained_on: Record<string, unknown>;
  artefact?: Buffer | null;
  created_at: Date;
  active: boolean;
  activated_at: Date | null;
}

const INFO = 'algorithm, version, format_version, features, metrics, trained_on, created_at, active, activated_at';

const toInfo = (r: Row): ModelInfo => ({
  algorithm: r.algorithm,
  version: r.version,
  features: r.features,
  metrics: r.metrics,
  trainedOn: r.trained_on,
  createdAt: r.created_at,
  active: r.active,
  activatedAt: r.activated_at ?? undefined,
});

export function createModelRegistry(db: Database): ModelRegistry {
  const guard = async <T>(what: string, fn: () => Promise<Result<T>>): Promise<Result<T>> => {
    try {
      return await fn();
    } catch (e) {
      return fail('DATABASE_ERROR', `${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const activateIn = async (tx: Pick<Database, 'query'>, algorithm: string, version: number): Promise<Row | undefined> => {
    await tx.query('UPDATE model_registry SET active = false WHERE algorithm = $1 AND active AND version <> $2', [algorithm, version]);
    const r = await tx.query<Row>(`UPDATE model_registry SET active = true, activated_at = now() WHERE algorithm = $1 AND version = $2 RETURNING ${INFO}`, [algorithm, version]);
    return r.rows[0];
  };

  return {
    save: (m) =>
      guard('saving the model', () =>
        db.withTransaction(async (tx) => {
          const a = m.artefact;
          // Serialises version numbering per algorithm between concurrent trainings.
          await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model_registry:${a.detector}`]);
          const r = await tx.query<Row>(
            `INSERT INTO model_registry (algorithm, version, format_version, features, params, metrics, trained_on, artefact)
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5, $6, $7 FROM model_registry WHERE algorithm = $1
             RETURNING ${INFO}`,
            [a.detector, a.formatVersion, a.features, JSON.stringify(a.params), JSON.stringify(m.metrics ?? {}), JSON.stringify(m.trainedOn ?? {}), a.weights ? Buffer.from(a.weights) : null],
          );
          let row = r.rows[0]!;
          if (m.activate) row = (await activateIn(tx, row.algorithm, row.version)) ?? row;
          return ok(toInfo(row));
        }),
      ),

    list: (algorithm) =>
      guard('listing models', async () => {
        const r = await db.query<Row>(
          `SELECT ${INFO} FROM model_registry WHERE $1::text IS NULL OR algorithm = $1 ORDER BY algorithm, version`,
          [algorithm ?? null],
        );
        return ok(r.rows.map(toInfo));
      }),

    activate: async (algorithm, version) => {
      try {
        return await db.withTransaction(async (tx) => {
          const row = await activateIn(tx, algorithm, version);
          // Throwing rolls back the deactivation of the previous version.
          if (!row) throw new NotFound();
          return ok(toInfo(row));
        });
      } catch (e) {
        if (e instanceof NotFound) return fail('MODEL_NOT_FOUND', `no model ${algorithm} version ${version}; see \`typedcluster models list\``, 'version');
        return fail('DATABASE_ERROR', `activating the model: ${e instanceof Error ? e.message : String(e)}`);
      }
    },

    activeVersion: (algorithm) =>
      guard('reading the active model', async () => {
        const r = await db.query<ActiveVersion>(
          `SELECT algorithm, version FROM model_registry WHERE active AND ($1::text IS NULL OR algorithm = $1)
           ORDER BY activated_at DESC NULLS LAST, algorithm LIMIT 1`,
          [algorithm ?? null],
        );
        return ok(r.rows[0]);
      }),

    load: (algorithm, version) =>
      guard('loading the model', async () => {
        const r = await db.query<Row>(`SELECT ${INFO}, params, artefact FROM model_registry WHERE algorithm = $1 AND version = $2`, [algorithm, version]);
        const row = r.rows[0];
        if (!row) return fail('MODEL_NOT_FOUND', `no model ${algorithm} version ${version}`, 'version');
        const artefact: DetectorArtefact = {
          detector: row.algorithm,
          formatVersion: row.format_version,
          features: row.features,
          params: row.params,
          ...(row.artefact ? { weights: new Uint8Array(row.artefact) } : {}),
        };
        return ok({ ...toInfo(row), artefact });
      }),
  };
}

class NotFound extends Error {}
