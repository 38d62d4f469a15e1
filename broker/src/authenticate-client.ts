import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger, Result } from '@typedcluster/core';
import type { Client } from 'aedes';
import { ALERT_CLIENT_USERNAME, GATEWAY_USERNAME, isFunctionUser, type BrokerUser, type FunctionUser } from './access-control.js';
import type { BrokerMetrics } from './broker-metrics.js';
import { Refusal } from './refusal.js';
import type { SessionOwners } from './session-owners.js';

/** How devices log in: `createMqttCredentialStore(db).authenticate` in production. */
export type DeviceAuthenticator = (username: string, password: string) => Promise<Result<number | undefined>>;

/** The user each connection authenticated as: the per-connection cache the ACL reads (scrypt runs once per connection). */
export type ConnectionUsers = WeakMap<Client, BrokerUser>;

export interface AuthenticateDeps {
  readonly authenticateDevice: DeviceAuthenticator;
  /** The gateway user's password; undefined: nobody can log in as `gateway`. */
  readonly gatewayPassword: string | undefined;
  /** The alert-client user's password; undefined: nobody can log in as `alert-client`. */
  readonly alertClientPassword?: string | undefined;
  /** Passwords of the function users (secrets `mqtt-{name}-password`); a function without one cannot log in. */
  readonly functionPasswords?: Readonly<Partial<Record<FunctionUser, string>>> | undefined;
  readonly owners: SessionOwners;
  readonly users: ConnectionUsers;
  readonly metrics: BrokerMetrics;
  /** Rate-limited: a flood of bad logins must not flood the log. */
  readonly warn: (key: string, msg: string, fields?: Record<string, unknown>) => void;
  readonly log: Logger;
}

// CONNACK return codes (MQTT 3.1.1 §3.2.2.3).
const IDENTIFIER_REJECTED = 2;
const SERVER_UNAVAILABLE = 3;
const BAD_USERNAME_OR_PASSWORD = 4;
const NOT_AUTHORIZED = 5;

export const usernameOf = (user: BrokerUser): string =>
  user.kind === 'gateway' ? GATEWAY_USERNAME : user.kind === 'alert-client' ? ALERT_CLIENT_USERNAME : user.kind === 'function' ? user.name : String(user.deviceId);

/** The Aedes `authenticate` handler (docs/topics.md §Authentication). */
export function createAuthenticate(deps: AuthenticateDeps) {
  const refuse = (client: Client, returnCode: number, why: string, done: (e: Error, ok: null) => void) => {
    deps.metrics.refused('auth');
    deps.warn('auth', 'MQTT connection refused', { clientId: client.id, why });
    done(Object.assign(new Refusal('auth', why), { returnCode }), null);
  };

  return (client: Client, username: string | undefined, password: Buffer | undefined, done: (e: Error | null, ok: boolean | null) => void): void => {
    if (username === undefined || password === undefined) return refuse(client, NOT_AUTHORIZED, 'anonymous', done);
    void identify(deps, username, password.toString('utf8')).then(async (found) => {
      if (!found.ok) {
        // The registry is down: tell the device to come back (code 3), not that its password is wrong.
        deps.log.error('MQTT login could not be checked', { clientId: client.id, code: found.error.code, error: found.error.message });
        return done(Object.assign(new Error(found.error.message), { returnCode: SERVER_UNAVAILABLE }), null);
      }
      const user = found.value;
      if (!user) return refuse(client, BAD_USERNAME_OR_PASSWORD, `bad username or password for user ${JSON.stringify(username)}`, done);
      if (!(await deps.owners.claim(client.id, usernameOf(user), !client.clean))) {
        return refuse(client, IDENTIFIER_REJECTED, `client id ${JSON.stringify(client.id)} belongs to another user`, done);
      }
      deps.users.set(client, user);
      done(null, true);
    }).catch((e: unknown) => {
      deps.log.error('MQTT login failed unexpectedly', { clientId: client.id, error: e instanceof Error ? e : String(e) });
      done(Object.assign(new Error('login check failed'), { returnCode: SERVER_UNAVAILABLE }), null);
    });
  };
}

async function identify(deps: AuthenticateDeps, username: string, password: string): Promise<Result<BrokerUser | undefined>> {
  if (username === GATEWAY_USERNAME) {
    const ok = deps.gatewayPassword !== undefined && sameSecret(password, deps.gatewayPassword);
    return { ok: true, value: ok ? { kind: 'gateway' } : undefined };
  }
  if (username === ALERT_CLIENT_USERNAME) {
    const ok = deps.alertClientPassword !== undefined && sameSecret(password, deps.alertClientPassword);
    return { ok: true, value: ok ? { kind: 'alert-client' } : undefined };
  }
  if (isFunctionUser(username)) {
    const expected = deps.functionPasswords?.[username];
    return { ok: true, value: expected !== undefined && sameSecret(password, expected) ? { kind: 'function', name: username } : undefined };
  }
  const r = await deps.authenticateDevice(username, password);
  if (!r.ok) return r;
  return { ok: true, value: r.value === undefined ? undefined : { kind: 'device', deviceId: r.value } };
}

/** Constant-time comparison; hashing first makes the lengths equal, as timingSafeEqual needs. */
function sameSecret(a: string, b: string): boolean {
  const h = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(h(a), h(b));
}
