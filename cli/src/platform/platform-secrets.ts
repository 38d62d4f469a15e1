import { mkdir, readFile, writeFile, chmod } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { kxKeypairFromSeed, type KeyPair, type RandomSource } from '@typedcluster/core';
import { FUNCTION_USERS, type FunctionUser } from '@typedcluster/broker';

/**
 * The one-box equivalent of `faas-cli secret create`: files in the secrets
 * directory the gateway mounts for its functions (SECRETS_DIR), created on
 * first start and kept. Mode 0600, directory 0700.
 */
export interface PlatformSecrets {
  readonly dir: string;
  /** The platform's static kx keypair (wire-format §3.3); its public half goes to every device. */
  readonly platformKeys: KeyPair;
  readonly basicAuthUser: string;
  readonly basicAuthPassword: string;
  /** Password of the embedded PostgreSQL superuser (loopback only). */
  readonly pgPassword: string;
  /** The gateway connector's MQTT password (user `gateway`, docs/topics.md). */
  readonly mqttGatewayPassword: string;
  /** The alert client's MQTT password (user `alert-client`, `typedcluster alerts`, docs/topics.md). */
  readonly mqttAlertClientPassword: string;
  /** The MQTT passwords of the functions that publish (users `store-reading`, `detect-anomaly`; secrets `mqtt-{name}-password`, docs/topics.md). */
  readonly mqttFunctionPasswords: Readonly<Record<FunctionUser, string>>;
  /** HS256 key of the REST API's JWTs (docs/rest-api.md); PostgREST's PGRST_JWT_SECRET in production. */
  readonly jwtSecret: string;
}

export async function ensurePlatformSecrets(dir: string, random: RandomSource): Promise<PlatformSecrets> {
  // The home stays traversable (the embedded PostgreSQL's user needs its pg/ folder); only secrets/ is private.
  await mkdir(dirname(dir), { recursive: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const seed = await ensureSecret(dir, 'platform-kx-secret', () => Buffer.from(random(32)).toString('base64'));
  const basicAuthUser = await ensureSecret(dir, 'basic-auth-user', () => 'admin');
  const basicAuthPassword = await ensureSecret(dir, 'basic-auth-password', () => Buffer.from(random(18)).toString('base64url'));
  const pgPassword = await ensureSecret(dir, 'pg-password', () => Buffer.from(random(18)).toString('base64url'));
  const mqttGatewayPassword = await ensureSecret(dir, 'mqtt-gateway-password', () => Buffer.from(random(24)).toString('base64url'));
  const mqttAlertClientPassword = await ensureSecret(dir, 'mqtt-alert-client-password', () => Buffer.from(random(24)).toString('base64url'));
  const mqttFunctionPasswords = {} as Record<FunctionUser, string>;
  for (const name of Object.keys(FUNCTION_USERS) as FunctionUser[]) {
    mqttFunctionPasswords[name] = await ensureSecret(dir, `mqtt-${name}-password`, () => Buffer.from(random(24)).toString('base64url'));
  }
  const jwtSecret = await ensureSecret(dir, 'jwt-secret', () => Buffer.from(random(33)).toString('base64url'));
  return { dir, platformKeys: kxKeypairFromSeed(Buffer.from(seed, 'base64')), basicAuthUser, basicAuthPassword, pgPassword, mqttGatewayPassword, mqttAlertClientPassword, mqttFunctionPasswords, jwtSecret };
}

/** Returns the secret's value, creating the file with `make()` when absent. */
export async function ensureSecret(dir: string, name: string, make: () => string): Promise<string> {
  const path = join(dir, name);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const value = make();
  await writeSecret(dir, name, value);
  return value;
}

export async function writeSecret(dir: string, name: string, value: string): Promise<void> {
  await writeFile(join(dir, name), value + '\n', { mode: 0o600 });
}
