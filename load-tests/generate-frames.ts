// Pre-generates sealed frame batches for load-tests/ingest.js. k6 cannot run
// our crypto, and the platform accepts each frame once (replay protection),
// so every request body here is unique and each device's seqs only increase.
//
//   node --conditions=typescript --import tsx load-tests/generate-frames.ts \
//     --credentials .typedcluster/devices/load-1.json,.typedcluster/devices/load-2.json \
//     --requests 500 --frames 10
//
// Written against core's device sender (createDeviceSender with
// sessionFrame/readingFrame/cycleFrame); adjust here if that API moves.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createDeviceSender,
  FRAMES_CONTENT_TYPE,
  joinFrames,
  parseCredentials,
  sampleNormalCycle,
  sodiumReady,
  systemRandom,
  type DeviceCredentials,
  type RandomSource,
} from '@typedcluster/core';

export interface LoadFile {
  readonly format: 'typedcluster-load-frames/1';
  readonly generatedAt: string;
  readonly contentType: string;
  readonly framesPerRequest: number;
  /** One entry per device; k6 gives each its own VU so its requests stay in seq order. */
  readonly devices: readonly { readonly deviceId: number; readonly name: string; readonly requests: readonly string[] }[];
}

export interface GenerateOptions {
  readonly credentials: readonly DeviceCredentials[];
  /** Requests (bodies) per device. */
  readonly requests: number;
  /** Frames per request body; the first body of each device starts with its SESSION frame. */
  readonly framesPerRequest: number;
  /** Every n-th data frame is a cycle frame, the rest readings (0: readings only). */
  readonly cycleEvery: number;
  readonly random: RandomSource;
  readonly now: () => number;
}

/** Pure apart from the injected random and clock. Needs `await sodiumReady()` first. */
export function generateLoad(o: GenerateOptions): LoadFile {
  const unit = (): number => {
    const b = o.random(4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0) / 0x1_0000_0000;
  };
  const devices = o.credentials.map((credentials) => {
    const sender = createDeviceSender({ credentials, random: o.random, now: o.now });
    const start = o.now();
    let n = 0;
    const dataFrame = (): Uint8Array => {
      n += 1;
      if (o.cycleEvery > 0 && n % o.cycleEvery === 0) {
        return sender.cycleFrame({ cycleStart: start + n, cycle: n, phases: sampleNormalCycle(unit) });
      }
      // Plausible, varying values; the load path does not care what they mean.
      return sender.readingFrame({ ts: start + n, temperature: 20 + 5 * unit(), pressure: 101 + unit(), humidity: 40 + 20 * unit() });
    };
    const requests: string[] = [];
    for (let r = 0; r < o.requests; r += 1) {
      const frames = r === 0 ? [sender.sessionFrame()] : [];
      while (frames.length < o.framesPerRequest) frames.push(dataFrame());
      requests.push(Buffer.from(joinFrames(frames)).toString('base64'));
    }
    return { deviceId: credentials.deviceId, name: credentials.name, requests };
  });
  return {
    format: 'typedcluster-load-frames/1',
    generatedAt: new Date(o.now()).toISOString(),
    contentType: FRAMES_CONTENT_TYPE,
    framesPerRequest: o.framesPerRequest,
    devices,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      credentials: { type: 'string', short: 'c' },
      requests: { type: 'string', default: '200' },
      frames: { type: 'string', default: '10' },
      'cycle-every': { type: 'string', default: '10' },
      // .typedcluster/ is gitignored: generated frames never get committed.
      out: { type: 'string', short: 'o', default: '.typedcluster/load-frames.json' },
    },
  });
  const files = (values.credentials ?? '').split(',').filter(Boolean);
  const requests = Number(values.requests);
  const frames = Number(values.frames);
  const cycleEvery = Number(values['cycle-every']);
  if (files.length === 0 || !(requests >= 1) || !(frames >= 2) || !(cycleEvery >= 0)) {
    console.error('usage: generate-frames.ts --credentials <file>[,<file>…] [--requests 200] [--frames 10] [--cycle-every 10] [--out .typedcluster/load-frames.json]');
    console.error('  credentials files come from `typedcluster device add --name <name>` (one device per k6 VU); --frames >= 2');
    return 2;
  }
  await sodiumReady();
  const credentials: DeviceCredentials[] = [];
  for (const f of files) {
    const c = parseCredentials(readFileSync(f, 'utf8'));
    if (!c.ok) {
      console.error(`error: ${f}: ${c.error.message}`);
      return 1;
    }
    credentials.push(c.value);
  }
  const load = generateLoad({ credentials, requests, framesPerRequest: frames, cycleEvery, random: systemRandom, now: Date.now });
  mkdirSync(dirname(resolve(values.out)), { recursive: true });
  writeFileSync(values.out, JSON.stringify(load) + '\n');
  console.error(`wrote ${values.out}: ${files.length} device(s) × ${requests} requests × ${frames} frames; send them once, soon (session frames carry the time)`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main();
