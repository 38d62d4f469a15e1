import pg from 'pg';
import type { Logger } from '../log/logger.js';

/**
 * A thin wrapper over pg.Pool: the three things callers need (query,
 * transaction, close) and nothing that lets a dropped connection crash
 * the process. Queries throw; the stores above turn that into Result values.
 */
export interface Rows<R> {
  readonly rows: R[];
  readonly rowCount: number;
}

export interface Queryable {
  query<R extends object = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<Rows<R>>;
}

export interface Database extends Queryable {
  /** Runs fn inside BEGIN … COMMIT on one connection; any throw rolls back and is rethrown. */
  withTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs fn on one dedicated connection (session-level state such as advisory locks). */
  withClient<T>(fn: (client: Queryable) => Promise<T>): Promise<T>;
  /** Ends the pool; safe to call twice. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** Pool size (default 10). */
  readonly max?: number;
  readonly log?: Logger;
  /** How long to wait for a connection before a query fails (default 10 s). */
  readonly connectionTimeoutMs?: number;
  /** Shown in pg_stat_activity. */
  readonly applicationName?: string;
}

/** admin_shutdown, crash_shutdown: the server ended the backend (terminate, restart). */
const KILLED_BACKEND = new Set(['57P01', '57P02']);

export function createDatabase(url: string, opts: DatabaseOptions = {}): Database {
  const log = opts.log;
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: opts.connectionTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    application_name: opts.applicationName ?? 'typedcluster',
  });
  // An idle connection killed by a server restart emits 'error' on the pool;
  // unhandled, Node would exit. The pool drops that client and opens a new one.
  pool.on('error', (e) => log?.warn('idle PostgreSQL connection dropped', { error: e.message }));

  const query = async <R extends object>(text: string, params?: readonly unknown[]): Promise<Rows<R>> => {
    for (let attempt = 1; ; attempt++) {
      try {
        const r = await pool.query<R & pg.QueryResultRow>(text, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      } catch (e) {
        // After a server restart, pooled connections die; one may be handed out before its
        // 'error' arrives. The server killed that backend, so the statement did not commit:
        // running it again on a fresh connection is safe.
        if (attempt >= 3 || !KILLED_BACKEND.has((e as { code?: string }).code ?? '')) throw e;
        log?.debug('retrying on a fresh connection', { error: (e as Error).message });
      }
    }
  };

  /** Checks a client out; `dirty` tells whether a throw from fn leaves the session unusable. */
  const checkout = async <T>(fn: (client: Queryable) => Promise<T>, dirty: (e: unknown) => Promise<boolean>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    // A checked-out client also emits 'error' when its connection dies.
    const onError = (e: Error) => {
      broken = e;
      log?.warn('PostgreSQL connection dropped during use', { error: e.message });
    };
    client.on('error', onError);
    const q: Queryable = {
      query: async <R extends object>(text: string, params?: readonly unknown[]) => {
        const r = await client.query<R & pg.QueryResultRow>(text, params as unknown[] | undefined);
        return { rows: r.rows, rowCount: r.rowCount ?? 0 };
      },
    };
    try {
      return await fn(q);
    } catch (e) {
      if (await dirty(e)) broken ??= e instanceof Error ? e : new Error(String(e));
      throw e;
    } finally {
      client.off('error', onError);
      // release(err) destroys the connection instead of pooling it.
      client.release(broken);
    }
  };

  // After an arbitrary failure the session state (open transaction, locks) is unknown: drop it.
  const withClient = <T>(fn: (client: Queryable) => Promise<T>): Promise<T> => checkout(fn, async () => true);

  const withTransaction = <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    let tx: Queryable | undefined;
    return checkout(
      async (c) => {
        tx = c;
        await c.query('BEGIN');
        const result = await fn(c);
        await c.query('COMMIT');
        return result;
      },
      // A clean ROLLBACK leaves a reusable connection (a unique violation is routine).
      async () => !tx || !(await tx.query('ROLLBACK').then(() => true, () => false)),
    );
  };

  // pool.end() resolves before the sockets close; close() waits for them so a
  // caller that drops the database right after does not kill live connections.
  const open = new Set<pg.PoolClient>();
  pool.on('connect', (c) => {
    open.add(c);
    c.once('end', () => open.delete(c));
  });
  const allEnded = () =>
    Promise.all([...open].map((c) => new Promise<void>((resolve) => {
      c.once('end', resolve);
      setTimeout(resolve, 2_000).unref();
    })));
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= pool.end().then(allEnded).then(() => undefined));

  return { query, withTransaction, withClient, close };
}
