import assert from 'node:assert/strict';
import type { ErrorCode } from '../errors/catalogue.js';
import { StartupError } from '../errors/startup-error.js';
import { envBool, envDurationMs, envInt, envOptional, envString, envUrl, parseDurationMs } from './env-parsers.js';

/** Asserts `fn` throws a StartupError with `code`, naming `name` in its message, with a hint containing `hint`. */
function assertStartupError(fn: () => unknown, code: ErrorCode, name: string, hint: string | RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StartupError, `expected a StartupError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.ok(e.message.includes(name), `message "${e.message}" should name ${name}`);
    if (typeof hint === 'string') assert.ok(e.hint.includes(hint), `hint "${e.hint}" should contain "${hint}"`);
    else assert.match(e.hint, hint);
    return true;
  });
}

describe('envString', () => {
  it('returns the value when set', () => {
    assert.equal(envString({ NAME: 'gw' }, 'NAME'), 'gw');
    assert.equal(envString({ NAME: 'gw' }, 'NAME', 'dflt'), 'gw');
  });

  it('uses the fallback when unset or empty', () => {
    assert.equal(envString({}, 'NAME', 'dflt'), 'dflt');
    assert.equal(envString({ NAME: '' }, 'NAME', 'dflt'), 'dflt');
  });

  it('throws CONFIG_MISSING when unset or empty without a fallback', () => {
    assertStartupError(() => envString({}, 'DATABASE_URL'), 'CONFIG_MISSING', 'DATABASE_URL', 'set DATABASE_URL');
    assertStartupError(() => envString({ DATABASE_URL: '' }, 'DATABASE_URL'), 'CONFIG_MISSING', 'DATABASE_URL', 'set DATABASE_URL');
  });
});

describe('envOptional', () => {
  it('returns the value, or undefined when unset or empty', () => {
    assert.equal(envOptional({ X: 'v' }, 'X'), 'v');
    assert.equal(envOptional({}, 'X'), undefined);
    assert.equal(envOptional({ X: '' }, 'X'), undefined);
  });
});

describe('envInt', () => {
  it('uses the fallback when unset or empty', () => {
    assert.equal(envInt({}, 'PORT', 8080), 8080);
    assert.equal(envInt({ PORT: '' }, 'PORT', 8080), 8080);
  });

  it('parses integers inside the range, bounds included', () => {
    assert.equal(envInt({ PORT: '3000' }, 'PORT', 8080), 3000);
    assert.equal(envInt({ N: '0' }, 'N', 5), 0);
    assert.equal(envInt({ N: '1' }, 'N', 5, 1, 10), 1);
    assert.equal(envInt({ N: '10' }, 'N', 5, 1, 10), 10);
    assert.equal(envInt({ N: '-3' }, 'N', 5, -5), -3);
  });

  for (const raw of ['abc', '1.5', '12px', 'NaN', 'Infinity', '-1', '9007199254740992']) {
    it(`throws CONFIG_INVALID for "${raw}" (default range 0..MAX_SAFE_INTEGER)`, () => {
      assertStartupError(() => envInt({ WORKERS: raw }, 'WORKERS', 4), 'CONFIG_INVALID', `WORKERS=${raw}`, 'fix WORKERS or unset it to use 4');
    });
  }

  it('throws CONFIG_INVALID outside min..max, naming the range', () => {
    assertStartupError(() => envInt({ PORT: '0' }, 'PORT', 8080, 1, 65535), 'CONFIG_INVALID', 'PORT=0', 'unset it to use 8080');
    assertStartupError(() => envInt({ PORT: '65536' }, 'PORT', 8080, 1, 65535), 'CONFIG_INVALID', 'PORT=65536', 'fix PORT');
    assert.throws(() => envInt({ PORT: '65536' }, 'PORT', 8080, 1, 65535), /1\.\.65535/);
  });
});

describe('envBool', () => {
  it('uses the fallback when unset or empty', () => {
    assert.equal(envBool({}, 'DEMO', true), true);
    assert.equal(envBool({ DEMO: '' }, 'DEMO', false), false);
  });

  for (const raw of ['1', 'true', 'TRUE', 'yes', 'Yes', 'on', 'ON']) {
    it(`reads "${raw}" as true`, () => assert.equal(envBool({ DEMO: raw }, 'DEMO', false), true));
  }
  for (const raw of ['0', 'false', 'False', 'no', 'NO', 'off', 'Off']) {
    it(`reads "${raw}" as false`, () => assert.equal(envBool({ DEMO: raw }, 'DEMO', true), false));
  }

  for (const raw of ['maybe', '2', 'truee', ' true', 'y']) {
    it(`throws CONFIG_INVALID for "${raw}"`, () => {
      assertStartupError(() => envBool({ DEMO: raw }, 'DEMO', false), 'CONFIG_INVALID', 'DEMO', 'use DEMO=true or DEMO=false');
    });
  }
});

describe('parseDurationMs', () => {
  const cases: ReadonlyArray<[string, number]> = [
    ['500ms', 500],
    ['10s', 10_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1.5s', 1500],
    ['0.5ms', 1],
    ['250', 250],
    ['0', 0],
    [' 10s ', 10_000],
  ];
  for (const [raw, ms] of cases) {
    it(`reads "${raw}" as ${ms} ms`, () => assert.equal(parseDurationMs(raw), ms));
  }

  for (const raw of ['', 's', '-1s', '10 s', '10d', '1e3', 'ten', '10S', '.5s']) {
    it(`rejects "${raw}"`, () => assert.equal(parseDurationMs(raw), undefined));
  }
});

describe('envDurationMs', () => {
  it('uses the fallback when unset or empty', () => {
    assert.equal(envDurationMs({}, 'EXEC_TIMEOUT', 10_000), 10_000);
    assert.equal(envDurationMs({ EXEC_TIMEOUT: '' }, 'EXEC_TIMEOUT', 10_000), 10_000);
  });

  it('parses a valid duration', () => {
    assert.equal(envDurationMs({ EXEC_TIMEOUT: '30s' }, 'EXEC_TIMEOUT', 10_000), 30_000);
  });

  it('throws CONFIG_INVALID for a value that is not a duration', () => {
    assertStartupError(() => envDurationMs({ EXEC_TIMEOUT: '10 seconds' }, 'EXEC_TIMEOUT', 1), 'CONFIG_INVALID', 'EXEC_TIMEOUT=10 seconds', /10s, 500ms or 2m for EXEC_TIMEOUT/);
  });
});

describe('envUrl', () => {
  it('returns a valid URL, or the fallback when unset', () => {
    assert.equal(envUrl({ DATABASE_URL: 'postgres://u:p@db:5432/tc' }, 'DATABASE_URL'), 'postgres://u:p@db:5432/tc');
    assert.equal(envUrl({}, 'GATEWAY_URL', 'http://127.0.0.1:8080'), 'http://127.0.0.1:8080');
  });

  it('throws CONFIG_MISSING when unset without a fallback', () => {
    assertStartupError(() => envUrl({}, 'DATABASE_URL'), 'CONFIG_MISSING', 'DATABASE_URL', 'set DATABASE_URL');
  });

  it('throws CONFIG_INVALID for a value that is not a URL', () => {
    assertStartupError(() => envUrl({ DATABASE_URL: '//db:5432/tc' }, 'DATABASE_URL'), 'CONFIG_INVALID', 'DATABASE_URL', 'set DATABASE_URL to a full URL');
    assertStartupError(() => envUrl({}, 'GATEWAY_URL', 'localhost'), 'CONFIG_INVALID', 'GATEWAY_URL', 'full URL');
  });
});

describe('envInt reads plain decimals only', () => {
  for (const raw of [' ', '0x10', '1e3', '12abc', '1.5']) {
    it(`refuses ${JSON.stringify(raw)} with CONFIG_INVALID`, () => {
      assert.throws(() => envInt({ PORT: raw }, 'PORT', 8080), (e: unknown) => e instanceof StartupError && e.code === 'CONFIG_INVALID' && /PORT/.test(e.message));
    });
  }
});
