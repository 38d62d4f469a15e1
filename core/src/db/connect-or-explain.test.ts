import assert from 'node:assert/strict';
import { connectOrExplain, redactUrl } from './connect-or-explain.js';
import { freePort } from './free-port.js';
import { getTestPostgres, startupErrorOf } from './test-support.js';

describe('connectOrExplain', function () {
  this.timeout(60_000);

  it('explains a closed port as DATABASE_UNREACHABLE without the password', async () => {
    const port = await freePort();
    const e = await startupErrorOf(connectOrExplain(`postgres://app:s3cret-pw@127.0.0.1:${port}/typedcluster`));
    assert.equal(e.code, 'DATABASE_UNREACHABLE');
    assert.equal(e.message, `cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED)`);
    assert.equal(e.hint, 'start PostgreSQL or fix DATABASE_URL');
    assert.ok(!e.toLine().includes('s3cret-pw'));
  });

  it('refuses a URL that is not postgres:// as CONFIG_INVALID', async () => {
    assert.equal((await startupErrorOf(connectOrExplain('mysql://a:b@localhost/x'))).code, 'CONFIG_INVALID');
    assert.equal((await startupErrorOf(connectOrExplain('not a url'))).code, 'CONFIG_INVALID');
  });

  it('redacts the password of a URL for logs', () => {
    assert.equal(redactUrl('postgres://app:s3cret@db:5432/tc'), 'postgres://app:***@db:5432/tc');
    assert.equal(redactUrl('postgres://db/tc'), 'postgres://db/tc');
  });

  describe('against a running server @integration', () => {
    it('returns a working Database', async () => {
      const pg = await getTestPostgres();
      const db = await connectOrExplain(pg.urlFor('postgres'));
      assert.deepEqual((await db.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      await db.close();
    });

    it('names the user, not the password, when authentication fails', async () => {
      const pg = await getTestPostgres();
      const e = await startupErrorOf(connectOrExplain(`postgres://postgres:wrong-pw-42@127.0.0.1:${pg.port}/postgres`));
      assert.equal(e.code, 'DATABASE_UNREACHABLE');
      assert.match(e.message, /refused user "postgres"/);
      assert.match(e.hint, /password in DATABASE_URL/);
      assert.ok(!e.toLine().includes('wrong-pw-42'));
    });

    it('says which database is missing', async () => {
      const pg = await getTestPostgres();
      const e = await startupErrorOf(connectOrExplain(pg.urlFor('no_such_db')));
      assert.equal(e.message, `database "no_such_db" does not exist at 127.0.0.1:${pg.port}`);
    });
  });
});
