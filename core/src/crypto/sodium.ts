import sodium from 'libsodium-wrappers';

/**
 * libsodium is WebAssembly that loads asynchronously. Await
 * `sodiumReady()` once at start; every crypto function after it is
 * synchronous, which keeps the verify path free of awaits.
 */
let ready = false;

export async function sodiumReady(): Promise<void> {
  await sodium.ready;
  ready = true;
}

/** The loaded library; throws (a programming error) if sodiumReady() was not awaited. */
export function lib(): typeof sodium {
  if (!ready) throw new Error('libsodium is not loaded: await sodiumReady() before using core crypto');
  return sodium;
}
