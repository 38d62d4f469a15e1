import { Agent, request } from 'node:http';
const body = Buffer.alloc(200, 1);
async function run(label: string, one: () => Promise<void>, n = 4000, conc = 16) {
  for (let i = 0; i < 300; i++) await one();
  const t0 = performance.now(); let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => { while (next++ < n) await one(); }));
  const ms = performance.now() - t0; console.log(label, Math.round(n / ms * 1000), 'req/s');
}
const agent = new Agent({ keepAlive: true, maxSockets: 256 });
const viaHttp = () => new Promise<void>((res, rej) => { const r = request({ host: '127.0.0.1', port: 39999, path: '/', method: 'POST', agent, headers: { 'content-length': body.length } }, (s) => { const c: Buffer[] = []; s.on('data', (d) => c.push(d)); s.on('end', () => res()); }); r.on('error', rej); r.end(body); });
const viaFetch = async () => { await (await fetch('http://127.0.0.1:39999/', { method: 'POST', body })).arrayBuffer(); };
for (let k = 0; k < 2; k++) { await run('node:http keep-alive', viaHttp); await run('fetch', viaFetch); }
