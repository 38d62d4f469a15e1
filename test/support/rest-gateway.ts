import type { FastifyInstance } from 'fastify';
import { signJwtHs256, type Database, type JwtClaims } from '@typedcluster/core';
import { buildDatabaseGateway } from '../../gateway/src/testing/gateway-harness.js';

/**
 * The real gateway HTTP app with the REST API on a real database, listening
 * on a free loopback port so postgrest-js talks to it with the real fetch.
 * No function runs: the REST path does not touch them.
 */
export const TEST_JWT_SECRET = 'rest-test-secret-0123456789abcdefghijklmnop';

export interface RestGateway {
  /** e.g. http://127.0.0.1:40123/api: what PostgrestClient takes. */
  readonly apiUrl: string;
  readonly app: FastifyInstance;
  token(claims: JwtClaims): string;
  close(): Promise<void>;
}

export async function startRestGateway(database: Database, opts: { jwtSecret?: string; now?: () => number } = {}): Promise<RestGateway> {
  const jwtSecret = opts.jwtSecret ?? TEST_JWT_SECRET;
  const app = buildDatabaseGateway(database, { rest: { jwtSecret, anonRole: 'web_anon' }, ...(opts.now ? { now: opts.now } : {}) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    apiUrl: `http://127.0.0.1:${port}/api`,
    app,
    token: (claims) => signJwtHs256(claims, jwtSecret),
    close: () => app.close(),
  };
}
