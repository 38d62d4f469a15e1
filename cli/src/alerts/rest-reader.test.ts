import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createRestReader } from './rest-reader.js';

const answer = (status: number, body: unknown) => new Response(typeof body === 'string' ? body : JSON.stringify(body), { status });

describe('alert client REST reader', () => {
  it('asks PostgREST for rows committed since the cursor, oldest first, page by page, with the token', async () => {
    const urls: string[] = [];
    const auth: (string | null)[] = [];
    const fetchFn = (async (url: string, init: RequestInit) => {
      urls.push(url);
      auth.push(new Headers(init.headers).get('authorization'));
      return answer(200, urls.length === 1 ? [{ id: 1 }, { id: 2 }] : [{ id: 3 }]);
    }) as typeof fetch;
    const read = createRestReader({ api: 'http://h:8080/api/', token: 'T', fetch: fetchFn, pageSize: 2 });
    const r = await read('anomaly_reports', Date.parse('2026-11-21T08:00:00Z'));
    assert.deepEqual(r, { ok: true, rows: [{ id: 1 }, { id: 2 }, { id: 3 }] });
    assert.equal(urls[0], 'http://h:8080/api/anomaly_reports?created_at=gte.2026-11-21T08%3A00%3A00.000Z&order=created_at.asc,id.asc&limit=2&offset=0');
    assert.match(urls[1]!, /offset=2$/);
    assert.deepEqual(auth, ['Bearer T', 'Bearer T']);
  });

  it('names each failure kind with a code and a line saying what to check', async () => {
    const reader = (status: number, body: unknown = {}) => createRestReader({ api: 'http://h/api', fetch: (async () => answer(status, body)) as typeof fetch });
    const code = async (status: number, body?: unknown) => {
      const r = await reader(status, body)('cycle_phases', 0);
      assert.equal(r.ok, false);
      return r.ok ? undefined : r.error;
    };
    assert.equal((await code(401))?.code, 'ALERT_API_UNAUTHORIZED');
    assert.match((await code(401))!.message, /--token/);
    assert.equal((await code(404))?.code, 'ALERT_API_NOT_FOUND');
    assert.match((await code(404))!.message, /--api/);
    assert.equal((await code(503, 'down'))?.code, 'ALERT_API_FAILED');
    assert.equal((await code(200, '<html>'))?.code, 'ALERT_API_FAILED');
  });

  it('says the connection was refused when nothing listens', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const { port } = server.address() as { port: number };
    await new Promise<void>((r) => server.close(() => r()));
    const r = await createRestReader({ api: `http://127.0.0.1:${port}/api`, fetch })('readings', 0);
    assert.equal(r.ok ? undefined : r.error.code, 'ALERT_API_UNREACHABLE');
    assert.match(r.ok ? '' : r.error.message, /connection refused by 127\.0\.0\.1/);
  });
});
