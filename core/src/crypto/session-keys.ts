import { fail, ok } from '../result/result.js';
import type { Result } from '../result/result.js';
import { AT_EPH_PK } from '../wire/constants.js';
import type { KeyPair } from './keys.js';
import { lib } from './sodium.js';

/** What the device holds for one key id (wire-format §3.3). */
export interface SessionKeys {
  /** Device → platform: the key that seals READING and CYCLE frames. */
  readonly tx: Uint8Array;
  /** Platform → device: unused in v1, kept for a future downlink. */
  readonly rx: Uint8Array;
}

/**
 * Platform side (kx server): the key that opens this session's data frames,
 * equal to the device's `tx`. Fails BAD_SESSION_KEY when the device sent a
 * low-order point (libsodium refuses the all-zero shared secret).
 */
export function serverSessionKey(platformKeys: KeyPair, ephemeralPublicKey: Uint8Array): Result<Uint8Array> {
  try {
    const keys = lib().crypto_kx_server_session_keys(platformKeys.publicKey, platformKeys.secretKey, ephemeralPublicKey);
    return ok(keys.sharedRx);
  } catch {
    return fail('BAD_SESSION_KEY', 'ephemeral public key is unusable for key exchange', AT_EPH_PK);
  }
}

/**
 * Device side (kx client, with the session's ephemeral keypair and the
 * platform public key from provisioning). Fails BAD_SESSION_KEY only when
 * the platform public key is unusable, a provisioning error.
 */
export function clientSessionKeys(ephemeralKeys: KeyPair, platformPublicKey: Uint8Array): Result<SessionKeys> {
  try {
    const keys = lib().crypto_kx_client_session_keys(ephemeralKeys.publicKey, ephemeralKeys.secretKey, platformPublicKey);
    return ok({ tx: keys.sharedTx, rx: keys.sharedRx });
  } catch {
    return fail('BAD_SESSION_KEY', 'platform public key is unusable for key exchange', 'platformPublicKey');
  }
}
