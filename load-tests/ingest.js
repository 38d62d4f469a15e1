// k6 load test of the ingest path: POST /function/ingest-binary with
// pre-generated sealed frame batches (load-tests/generate-frames.ts).
//
//   k6 run -e GATEWAY=http://127.0.0.1:8080 load-tests/ingest.js
//   -e FRAMES=<path>   frames file (default: .typedcluster/load-frames.json; relative paths are from this script's folder)
//   -e PAUSE=<s>       think time between a device's requests (default 0)
//   -e MAX_DURATION=<d> hard stop (default 5m)
//
// Each frame may be sent once (replay protection) and a device's seqs must
// arrive in order, so each device gets exactly one VU that walks its own
// requests once: the run is bounded by the file, not by time.
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import encoding from 'k6/encoding';
import { SharedArray } from 'k6/data';
import { Counter } from 'k6/metrics';

const GATEWAY = (__ENV.GATEWAY || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const FRAMES = __ENV.FRAMES || '../.typedcluster/load-frames.json';
const PAUSE = Number(__ENV.PAUSE || 0);

// SharedArray: one parsed copy for all VUs, not one per VU.
const devices = new SharedArray('devices', () => {
  const doc = JSON.parse(open(FRAMES));
  if (doc.format !== 'typedcluster-load-frames/1') throw new Error(`${FRAMES}: not a frames file from load-tests/generate-frames.ts`);
  return doc.devices;
});
const meta = new SharedArray('meta', () => {
  const doc = JSON.parse(open(FRAMES));
  return [{ contentType: doc.contentType, framesPerRequest: doc.framesPerRequest }];
});
const perDevice = devices.length > 0 ? devices[0].requests.length : 0;

const framesAccepted = new Counter('frames_accepted');
const framesRejected = new Counter('frames_rejected');

export const options = {
  scenarios: {
    ingest: {
      executor: 'per-vu-iterations',
      vus: devices.length,
      iterations: perDevice,
      maxDuration: __ENV.MAX_DURATION || '5m',
    },
  },
  thresholds: {
    // Fresh, correctly sealed frames: any failure or rejection is a bug or an overload.
    http_req_failed: ['rate<0.01'],
    checks: ['rate>0.99'],
    frames_rejected: ['count<1'],
    // One box (Pi 5 class): a 10-frame batch through three functions and one insert.
    'http_req_duration{name:ingest-binary}': ['p(95)<250', 'p(99)<1000'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

export default function () {
  const device = devices[exec.vu.idInTest - 1];
  const body = device && device.requests[exec.vu.iterationInScenario];
  if (!body) return; // more VUs or iterations than the file holds: nothing left to send
  const res = http.post(`${GATEWAY}/function/ingest-binary`, encoding.b64decode(body, 'std'), {
    headers: { 'Content-Type': meta[0].contentType },
    tags: { name: 'ingest-binary' },
  });
  let reply = null;
  try {
    reply = res.json();
  } catch (_) {
    reply = null;
  }
  if (reply && typeof reply.accepted === 'number') {
    framesAccepted.add(reply.accepted);
    framesRejected.add(reply.rejected);
  }
  check(res, {
    'status is 200': (r) => r.status === 200,
    'every frame accepted': () => reply !== null && reply.rejected === 0 && reply.accepted === meta[0].framesPerRequest,
  });
  if (PAUSE > 0) sleep(PAUSE);
}
