import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { BasicAuthCredentials } from '../config/read-gateway-config.js';
import { failure, replyFailure } from './reply-failure.js';

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** True when the Authorization header carries exactly these credentials (constant time). */
export function checkBasicAuth(header: string | undefined, expected: BasicAuthCredentials): boolean {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return false;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = timingSafeEqual(digest(decoded.slice(0, colon)), digest(expected.user));
  const passOk = timingSafeEqual(digest(decoded.slice(colon + 1)), digest(expected.password));
  return userOk && passOk;
}

/** Basic auth on /system/* only, as the OpenFaaS gateway: 401 with WWW-Authenticate. */
export function registerBasicAuth(app: FastifyInstance, credentials: BasicAuthCredentials | undefined): void {
  if (!credentials) return;
  app.addHook('onRequest', async (request, reply) => {
    // The matched route, not only the raw URL: the router decodes %-escapes (/%73ystem/…).
    const route = request.routeOptions.url ?? '';
    if (!route.startsWith('/system/') && !request.url.startsWith('/system/')) return;
    if (checkBasicAuth(request.headers.authorization, credentials)) return;
    reply.header('www-authenticate', 'Basic realm="Restricted"');
    return replyFailure(reply, failure('UNAUTHORIZED', 'missing or wrong credentials for /system/*; run "faas-cli login" with the basic-auth-user and basic-auth-password secrets'));
  });
}
