import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalFetch } from './local-fetch.js';

describe('createLocalFetch', () => {
  let server: http.Server;
  let base = '';
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  before(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() });
        if (req.url === '/slow') return void setTimeout(() => res.end('late'), 500);
        if (req.url === '/empty') return void res.writeHead(204).end();
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-two': ['a', 'b'] });
        res.end(JSON.stringify({ echo: Buffer.concat(chunks).toString(), big: 'x'.repeat(req.url === '/big' ? 200_000 : 0) }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  const neverFallback = (() => Promise.reject(new Error('fallback used'))) as typeof fetch;

  it('POSTs a string or bytes with their headers and answers like fetch: status, headers, body', async () => {
    const f = createLocalFetch(neverFallback);
    for (const body of ['{"a":1}', new TextEncoder().encode('{"a":1}')]) {
      const res = await f(`${base}/function/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.equal(res.headers.get('x-two'), 'a, b');
      assert.deepEqual(await res.json(), { echo: '{"a":1}', big: '' });
      const req = seen.at(-1)!;
      assert.deepEqual([req.method, req.url, req.headers['content-type'], req.headers['content-length']], ['POST', '/function/x', 'application/json', '7']);
    }
  });

  it('answers 4xx as a Response, a 204 without a body, and a body in several chunks whole', async () => {
    const f = createLocalFetch(neverFallback);
    assert.equal((await f(`${base}/missing`)).status, 404);
    const empty = await f(`${base}/empty`, { method: 'POST', body: 'x' });
    assert.equal(empty.status, 204);
    assert.equal(await empty.text(), '');
    assert.equal(((await (await f(`${base}/big`)).json()) as { big: string }).big.length, 200_000);
  });

  it('rejects when the signal aborts, and when nothing listens', async () => {
    const f = createLocalFetch(neverFallback);
    await assert.rejects(f(`${base}/slow`, { signal: AbortSignal.timeout(50) }), /abort/i);
    await assert.rejects(f('http://127.0.0.1:1/x'), /ECONNREFUSED/);
  });

  it('hands anything else to the fallback fetch', async () => {
    const used: string[] = [];
    const fallback = (async (input: Parameters<typeof fetch>[0]) => {
      used.push(String(input));
      return new Response('fallback');
    }) as typeof fetch;
    const f = createLocalFetch(fallback);
    await f('https://example.invalid/a');
    await f(new URL(`${base}/b`));
    await f(`${base}/c`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    await f(`${base}/d`, { headers: new Headers({ a: '1' }) });
    assert.deepEqual(used, ['https://example.invalid/a', `${base}/b`, `${base}/c`, `${base}/d`]);
  });
});
