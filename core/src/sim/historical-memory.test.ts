import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const HEAP_MB = 32;

describe('historical data set: bounded memory', function () {
  this.timeout(180_000);

  it(`streams a data set far larger than a ${HEAP_MB} MiB heap to disk`, async () => {
    const out = await mkdtemp(join(tmpdir(), 'tc-hist-mem-'));
    try {
      // 10 PLCs × 2 days = 288 000 rows, ~55 MB of JSON: held in memory as rows or text it would need several times the heap.
      const script = `
        import { writeHistoricalDataset } from '@typedcluster/core';
        const s = await writeHistoricalDataset({ plcs: 10, from: Date.UTC(2026, 0, 1), to: Date.UTC(2026, 0, 3), temperature: 0.3, seed: 1, out: ${JSON.stringify(out)} });
        process.stdout.write(JSON.stringify({ rows: s.rows }));`;
      const { stdout } = await run(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--conditions=typescript', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
      const { rows } = JSON.parse(stdout) as { rows: number };
      assert.ok(rows > 280_000, `${rows} rows`);
      let bytes = 0;
      for (const f of await readdir(out)) bytes += (await stat(join(out, f))).size;
      assert.ok(bytes > HEAP_MB * 1024 * 1024 * 1.5, `${bytes} bytes written`);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
