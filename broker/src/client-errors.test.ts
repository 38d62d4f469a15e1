import assert from 'node:assert/strict';
import { classifyClientError } from './client-errors.js';
import { Refusal } from './refusal.js';

describe('classifyClientError', () => {
  it('leaves our own refusals to be counted where they were decided', () => {
    assert.equal(classifyClientError(new Refusal('acl_publish', 'x')), 'refusal');
    assert.equal(classifyClientError(Object.assign(new Refusal('auth', 'x'), { returnCode: 4, errorCode: 4 })), 'refusal');
  });

  it('does not blame the client for the network, timeouts or CONNACK refusals', () => {
    for (const e of [
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }),
      Object.assign(new Error('unacceptable protocol version'), { errorCode: 1 }),
      new Error('keep alive timeout'),
      new Error('connect did not arrive in time'),
      new Error('maxInflightInbound exceeded: 1000 inbound QoS 2 messages already awaiting PUBREL'),
    ]) {
      assert.equal(classifyClientError(e), 'connection', e.message);
    }
  });

  it('counts what the parser and Aedes find wrong in packets as violations', () => {
    for (const m of ['Invalid header flag bits, must be 0x0 for puback packet', 'Malformed Subscribe Payload', '# is not allowed in PUBLISH', 'Invalid protocol']) {
      assert.equal(classifyClientError(new Error(m)), 'violation', m);
    }
  });
});
