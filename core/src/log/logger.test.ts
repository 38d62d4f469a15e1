import assert from 'node:assert/strict';
import { createLogger, createRateLimitedLog, type LoggerOptions } from './logger.js';

const T0 = Date.UTC(2026, 10, 21, 7, 40);

function capture(opts: LoggerOptions = {}) {
  const lines: string[] = [];
  const log = createLogger('gateway', { now: () => T0, sink: (l) => lines.push(l), ...opts });
  return { log, lines };
}

describe('createLogger', () => {
  it('writes ISO time from the injected clock, LEVEL, name and message', () => {
    const { log, lines } = capture();
    log.info('listening');
    log.warn('slow');
    log.error('down');
    assert.deepEqual(lines, [
      '2026-11-21T07:40:00.000Z INFO gateway: listening',
      '2026-11-21T07:40:00.000Z WARN gateway: slow',
      '2026-11-21T07:40:00.000Z ERROR gateway: down',
    ]);
  });

  it('appends key=value fields in order, skipping undefined ones', () => {
    const { log, lines } = capture();
    log.info('stored', { rows: 3, ok: true, fn: 'store-reading', none: null, skipped: undefined });
    assert.equal(lines[0], '2026-11-21T07:40:00.000Z INFO gateway: stored rows=3 ok=true fn=store-reading none=null');
  });

  it('quotes values containing spaces, quotes or =', () => {
    const { log, lines } = capture();
    log.info('m', { a: 'two words', b: 'say "hi"', c: 'k=v', d: 'tab\there', e: 'plain' });
    assert.equal(lines[0], '2026-11-21T07:40:00.000Z INFO gateway: m a="two words" b="say \\"hi\\"" c="k=v" d="tab\\there" e=plain');
  });

  it('writes an Error field as its message', () => {
    const { log, lines } = capture();
    log.error('failed', { err: new Error('ECONNREFUSED'), why: new Error('connection refused') });
    assert.equal(lines[0], '2026-11-21T07:40:00.000Z ERROR gateway: failed err=ECONNREFUSED why="connection refused"');
  });

  it('writes a bigint field as its decimal digits', () => {
    const { log, lines } = capture();
    log.info('frame', { seq: 2n ** 62n + 1n });
    assert.equal(lines[0], '2026-11-21T07:40:00.000Z INFO gateway: frame seq=4611686018427387905');
  });

  it('writes bigints nested in an object as decimal strings', () => {
    const { log, lines } = capture();
    log.info('frame', { ids: [1n, 2n] });
    assert.equal(lines[0], '2026-11-21T07:40:00.000Z INFO gateway: frame ids="[\\"1\\",\\"2\\"]"');
  });

  it('drops lines below the level (default info)', () => {
    const dflt = capture();
    dflt.log.debug('hidden');
    dflt.log.info('shown');
    assert.deepEqual(dflt.lines.map((l) => l.split(' ')[1]), ['INFO']);

    const warn = capture({ level: 'warn' });
    warn.log.debug('x');
    warn.log.info('x');
    warn.log.warn('x');
    warn.log.error('x');
    assert.deepEqual(warn.lines.map((l) => l.split(' ')[1]), ['WARN', 'ERROR']);

    const debug = capture({ level: 'debug' });
    debug.log.debug('x');
    assert.deepEqual(debug.lines.map((l) => l.split(' ')[1]), ['DEBUG']);
  });

  it('names a child parent/child and keeps the level, clock and sink', () => {
    const { log, lines } = capture({ level: 'warn' });
    const child = log.child('router').child('auth');
    child.info('dropped');
    child.warn('denied');
    assert.deepEqual(lines, ['2026-11-21T07:40:00.000Z WARN gateway/router/auth: denied']);
  });
});

describe('createRateLimitedLog', () => {
  function limited(burst = 2, windowMs = 1000) {
    let t = T0;
    const { log, lines } = capture({ now: () => t });
    const warn = createRateLimitedLog(log, { burst, windowMs, now: () => t });
    const messages = () => lines.map((l) => l.slice(l.indexOf(': ') + 2));
    return { warn, messages, advance: (ms: number) => (t += ms) };
  }

  it('logs at most `burst` lines per key in a window', () => {
    const { warn, messages } = limited(2);
    for (let i = 0; i < 5; i++) warn('bad-frame', `bad frame ${i}`, { i });
    assert.deepEqual(messages(), ['bad frame 0 i=0', 'bad frame 1 i=1']);
  });

  it('reports the suppressed count once when the window rolls over', () => {
    const { warn, messages, advance } = limited(2, 1000);
    for (let i = 0; i < 5; i++) warn('bad-frame', `bad ${i}`);
    advance(999);
    warn('bad-frame', 'still in window');
    advance(1);
    warn('bad-frame', 'next window');
    assert.deepEqual(messages(), ['bad 0', 'bad 1', 'suppressed 4 similar messages key=bad-frame windowMs=1000', 'next window']);
  });

  it('writes no suppressed line when nothing was suppressed', () => {
    const { warn, messages, advance } = limited(2, 1000);
    warn('k', 'a');
    warn('k', 'b');
    advance(1000);
    warn('k', 'c');
    assert.deepEqual(messages(), ['a', 'b', 'c']);
  });

  it('keeps each key independent', () => {
    const { warn, messages, advance } = limited(1, 1000);
    warn('a', 'a1');
    warn('a', 'a2');
    warn('b', 'b1');
    warn('b', 'b2');
    warn('b', 'b3');
    advance(1000);
    warn('b', 'b4');
    warn('a', 'a3');
    assert.deepEqual(messages(), [
      'a1',
      'b1',
      'suppressed 2 similar messages key=b windowMs=1000',
      'b4',
      'suppressed 1 similar messages key=a windowMs=1000',
      'a3',
    ]);
  });

  it('logs at warn level, so it shows under level=warn', () => {
    const lines: string[] = [];
    const log = createLogger('fn', { level: 'warn', now: () => T0, sink: (l) => lines.push(l) });
    createRateLimitedLog(log, { now: () => T0 })('k', 'bad');
    assert.deepEqual(lines, ['2026-11-21T07:40:00.000Z WARN fn: bad']);
  });
});
