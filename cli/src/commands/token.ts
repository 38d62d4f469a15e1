import { readFile } from 'node:fs/promises';
import { JWT_SECRET_MIN_LENGTH, parseDurationMs, signJwtHs256, sodiumReady, systemRandom } from '@typedcluster/core';
import { readCliConfig } from '../cli-config.js';
import type { Command } from '../command.js';
import { ensurePlatformSecrets } from '../platform/platform-secrets.js';

const ROLE = /^[a-z_][a-z0-9_]*$/;

/** `typedcluster token`: a JWT for the REST API (docs/rest-api.md), signed with the secret jwt-secret. */
export const token: Command = {
  path: ['token'],
  summary: 'Mint a JWT for the REST API (/api, or PostgREST in production)',
  usage: '--sub <who> [--role operator] [--ttl 8h]',
  options: {
    sub: { type: 'string', description: 'Who the token is for (JWT sub): recorded as acknowledged_by when an operator acknowledges an alert' },
    role: { type: 'string', default: 'operator', description: 'Database role the requests run as (web_anon, operator)' },
    ttl: { type: 'string', default: '8h', description: 'Lifetime, e.g. 30m, 8h (then 401 PGRST303)' },
    'secret-file': { type: 'string', description: 'Read the HS256 key from this file instead of $TYPEDCLUSTER_HOME/secrets/jwt-secret (e.g. the PostgREST one in production)' },
  },
  details: [
    'Prints only the token, so it can be captured:',
    '  TOKEN=$(npx typedcluster token --sub alice)',
    '  curl -s -X PATCH "http://127.0.0.1:8080/api/anomaly_reports?id=eq.7" -H "Authorization: Bearer $TOKEN" \\',
    '    -H "Content-Type: application/json" -d \'{"acknowledged_at":"now"}\'',
    '  npx typedcluster token --sub grafana --role web_anon --ttl 720h',
  ],
  async run(values, _positionals, io) {
    const sub = typeof values['sub'] === 'string' ? values['sub'].trim() : '';
    if (sub === '') {
      io.err('error: --sub is required: who the token is for, e.g. --sub alice');
      return 2;
    }
    const role = String(values['role'] ?? 'operator');
    if (!ROLE.test(role)) {
      io.err(`error: --role "${role}" is not a role name (lower case, digits, _), e.g. --role operator`);
      return 2;
    }
    const ttlMs = parseDurationMs(String(values['ttl'] ?? '8h'));
    if (ttlMs === undefined || ttlMs < 1000) {
      io.err(`error: --ttl "${String(values['ttl'])}" is not a duration of a second or more, e.g. --ttl 8h`);
      return 2;
    }
    const secretFile = values['secret-file'];
    // The platform's secret is created on first use, as `typedcluster up` would (it derives keys: sodium first).
    const platformSecret = async () => (await sodiumReady(), await ensurePlatformSecrets(readCliConfig(io.env, io.cwd).secretsDir, systemRandom)).jwtSecret;
    const secret = typeof secretFile === 'string' ? (await readFile(secretFile, 'utf8').catch(() => '')).trim() : await platformSecret();
    if (secret.length < JWT_SECRET_MIN_LENGTH) {
      io.err(`error: --secret-file ${String(secretFile)} is missing or shorter than ${JWT_SECRET_MIN_LENGTH} characters`);
      return 1;
    }
    const exp = Math.floor((Date.now() + ttlMs) / 1000);
    io.out(signJwtHs256({ role, sub, exp }, secret));
    io.err(`token for ${sub} as ${role}, expires ${new Date(exp * 1000).toISOString()}`);
    return 0;
  },
};
