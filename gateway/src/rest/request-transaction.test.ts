import assert from 'node:assert/strict';
import { beginSql } from './request-transaction.js';

describe('beginSql', () => {
  it('starts a read-only transaction for reads and a read-write one for writes', () => {
    const base = { role: 'web_anon', claims: '{"role":"web_anon"}', method: 'GET' };
    assert.match(beginSql({ ...base, readOnly: true }), /^BEGIN READ ONLY; SELECT set_config\('role', 'web_anon', true\)/);
    assert.match(beginSql({ ...base, method: 'PATCH', readOnly: false }), /^BEGIN; SELECT .*set_config\('request.method', 'PATCH', true\)$/);
  });

  it('escapes quotes and backslashes so a claim cannot end its literal', () => {
    const sql = beginSql({ role: 'operator', claims: JSON.stringify({ sub: "a'); DROP TABLE x; --\\" }), method: 'GET', readOnly: true });
    assert.ok(sql.includes(`E'{"sub":"a''); DROP TABLE x; --\\\\\\\\"}'`), sql);
  });
});
