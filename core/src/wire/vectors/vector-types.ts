/**
 * The shape of test-vectors/wire-v1.json (wire-format §9). Bytes are
 * lowercase hex; seq is a decimal string (u64); float32 values that are
 * not finite are the strings "NaN", "Infinity", "-Infinity".
 */
export type JsonFloat = number | 'NaN' | 'Infinity' | '-Infinity';

export interface VectorHeader {
  readonly type: 'session' | 'reading' | 'cycle';
  readonly deviceId: number;
  readonly keyId: number;
  readonly seq: string;
}

export interface FrameVector {
  readonly name: string;
  readonly frame: string;
  readonly header: VectorHeader;
  /** SESSION only (§3). */
  readonly session?: { readonly ephemeralPublicKey: string; readonly clockMs: number };
  /** READING / CYCLE only (§4, §5). */
  readonly nonce?: string;
  readonly plaintext?: string;
  readonly payload?:
    | { readonly type: 'reading'; readonly deviceId: number; readonly ts: number; readonly temperature: JsonFloat; readonly pressure: JsonFloat; readonly humidity: JsonFloat }
    | { readonly type: 'cycle'; readonly deviceId: number; readonly cycleStart: number; readonly cycle: number; readonly phases: JsonFloat[][] };
}

/** The check that must fail, in pipeline order (§7): a vector passes every stage before its own. */
export type Stage = 'decode' | 'verify' | 'session-key' | 'open' | 'payload';

export interface ErrorVector {
  readonly name: string;
  readonly frame: string;
  readonly stage: Stage;
  readonly code: string;
  readonly at: number;
}

export interface StreamVector {
  readonly name: string;
  readonly body: string;
  /** Frames split off before the framing broke (or all of them). */
  readonly frames: readonly string[];
  readonly rest: { readonly code: string; readonly at: number } | null;
}

export interface WireVectors {
  readonly description: string;
  readonly spec: string;
  readonly generator: string;
  readonly keys: Readonly<Record<
    | 'identitySeed' | 'identityPublicKey' | 'identitySecretKey'
    | 'platformSeed' | 'platformPublicKey' | 'platformSecretKey'
    | 'ephemeralSeed' | 'ephemeralPublicKey' | 'ephemeralSecretKey'
    | 'sessionKey', string>>;
  readonly frames: readonly FrameVector[];
  readonly errors: readonly ErrorVector[];
  readonly streams: readonly StreamVector[];
}

export const toJsonFloat = (v: number): JsonFloat => (Number.isNaN(v) ? 'NaN' : v === Infinity ? 'Infinity' : v === -Infinity ? '-Infinity' : v);
export const fromJsonFloat = (v: JsonFloat): number => (typeof v === 'number' ? v : Number(v));
