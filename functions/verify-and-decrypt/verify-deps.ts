import type { DeviceRegistry, KeyPair, LedgerFrame, Logger, Result, StoreOutcome, TextRecord } from '@typedcluster/core';

/** Everything verify-and-decrypt touches outside itself, injected. */
export interface VerifyDeps {
  readonly registry: Pick<DeviceRegistry, 'getDevice' | 'getSessionKey' | 'openSession' | 'highWater'>;
  /** Ledger entry for a session frame (its seq joins the device's replay history). */
  readonly recordFrame: (frame: LedgerFrame) => Promise<Result<StoreOutcome>>;
  /** The platform's static kx keypair (wire-format §3.3). */
  readonly platformKeys: KeyPair;
  /** Hands the text stage to store-reading. */
  readonly store: (records: readonly TextRecord[]) => Promise<Result<StoreOutcome[]>>;
  readonly log: Logger;
  readonly now: () => number;
  /** wire-format §7: seq at or below (highest seen − window) is REPLAY. */
  readonly replayWindow: bigint;
  /** How long a device lookup is trusted; revocation takes effect within this time. */
  readonly deviceCacheMs: number;
  /** Releases what setup opened (the database pool). */
  readonly close?: () => Promise<void>;
}
