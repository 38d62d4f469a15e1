import { StartupError } from '../errors/startup-error.js';
import { createDatabase, type Database, type DatabaseOptions } from './database.js';

/**
 * Start-up check: open the pool and prove PostgreSQL answers, or throw one
 * StartupError line that says where we tried and what to do. The password
 * never appears: messages are built from host, port, user and database.
 */
export async function connectOrExplain(url: string, opts: DatabaseOptions & { readonly urlVar?: string } = {}): Promise<Database> {
  const urlVar = opts.urlVar ?? 'DATABASE_URL';
  const target = parseTarget(url, urlVar);
  const db = createDatabase(url, { connectionTimeoutMs: 5_000, ...opts });
  try {
    await db.query('SELECT 1');
    return db;
  } catch (e) {
    await db.close().catch(() => undefined);
    throw explainConnectError(e, target, urlVar);
  }
}

/** `postgres://user:***@host:port/db`: safe to log. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

interface Target {
  readonly host: string;
  readonly port: string;
  readonly user: string;
  readonly database: string;
  readonly password: string;
}

function parseTarget(url: string, urlVar: string): Target {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new StartupError('CONFIG_INVALID', `${urlVar} is not a URL`, `set ${urlVar} to a URL such as postgres://user:pass@localhost:5432/typedcluster`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new StartupError('CONFIG_INVALID', `${urlVar} must start with postgres://, not ${u.protocol}//`, `set ${urlVar} to a URL such as postgres://user:pass@localhost:5432/typedcluster`);
  }
  return {
    host: u.hostname || 'localhost',
    port: u.port || '5432',
    user: decodeURIComponent(u.username),
    database: decodeURIComponent(u.pathname.replace(/^\//, '')),
    password: decodeURIComponent(u.password),
  };
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET']);

function explainConnectError(e: unknown, t: Target, urlVar: string): StartupError {
  const code = (e as { code?: unknown }).code;
  const where = `${t.host}:${t.port}`;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new StartupError('DATABASE_UNREACHABLE', `cannot reach PostgreSQL at ${where} (${code})`, `start PostgreSQL or fix ${urlVar}`);
  }
  const message = redact(e instanceof Error ? e.message : String(e), t.password);
  if (/timeout/i.test(message)) {
    return new StartupError('DATABASE_UNREACHABLE', `cannot reach PostgreSQL at ${where} (timed out)`, `start PostgreSQL or fix ${urlVar}`);
  }
  if (code === '28P01' || code === '28000') {
    return new StartupError('DATABASE_UNREACHABLE', `PostgreSQL at ${where} refused user "${t.user}" (${message})`, `fix the user or password in ${urlVar}`);
  }
  if (code === '3D000') {
    return new StartupError('DATABASE_UNREACHABLE', `database "${t.database}" does not exist at ${where}`, `create it (createdb ${t.database}) or fix ${urlVar}`);
  }
  return new StartupError('DATABASE_UNREACHABLE', `cannot use PostgreSQL at ${where} (${message})`, `check that PostgreSQL is running and ${urlVar} is right`);
}

function redact(message: string, password: string): string {
  return password.length > 0 ? message.split(password).join('***') : message;
}
