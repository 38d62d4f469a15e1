import assert from 'node:assert/strict';
import { parseAlertFlags } from './alert-flags.js';

const defaults = { api: 'http://127.0.0.1:8080/api', interval: '5s', overlap: '2m' };
const parse = (values: Record<string, string>, env: Record<string, string> = {}) => parseAlertFlags({ ...defaults, ...values }, env, '/home/x');

describe('typedcluster alerts flags', () => {
  it('has working defaults: the local API, the embedded broker, the state file in the home', () => {
    const r = parse({});
    assert.ok(r.ok);
    assert.deepEqual(r.value, {
      api: 'http://127.0.0.1:8080/api', token: undefined, intervalMs: 5000, overlapMs: 120_000,
      mqttUrl: 'mqtt://127.0.0.1:1883', webhook: undefined, statePath: '/home/x/alerts/state.json',
    });
    const none = parse({ 'mqtt-url': 'none' });
    assert.equal(none.ok && none.value.mqttUrl, undefined);
  });

  it('names the flag at fault in one line', () => {
    const error = (values: Record<string, string>) => {
      const r = parse(values);
      return r.ok ? '' : r.error;
    };
    assert.match(error({ api: 'localhost:8080' }), /^error: --api localhost:8080 is not an http\(s\) URL/);
    assert.match(error({ interval: 'often' }), /^error: --interval often/);
    assert.match(error({ 'mqtt-url': 'http://x' }), /^error: --mqtt-url http:\/\/x is not an MQTT URL/);
    assert.match(error({ webhook: 'ftp://x' }), /^error: --webhook/);
    assert.match(error({ token: 'secret' }), /^error: --token is not a JWT/);
  });
});
