import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from './support/test-platform.js';

const CONFIG = join(REPO_ROOT, 'grafana', 'prometheus.yml');
const promtool = (file: string) => spawnSync('promtool', ['check', 'config', file], { encoding: 'utf8' });

interface ScrapeConfig {
  job_name: string;
  metrics_path?: string;
  static_configs: { targets: string[]; labels?: Record<string, string> }[];
}

/** grafana/prometheus.yml, checked by promtool (Debian package `prometheus`, installed by .ci/run). */
describe('Prometheus scrape configuration', () => {
  it('is valid for promtool check config, and promtool does catch a broken one', function () {
    if (spawnSync('promtool', ['--version']).error) {
      this.skip(); // reported pending: promtool is not installed (apt-get install -y --no-install-recommends prometheus)
    }
    const good = promtool(CONFIG);
    assert.equal(good.status, 0, good.stdout + good.stderr);
    assert.match(good.stdout + good.stderr, /SUCCESS/);
    const dir = mkdtempSync(join(tmpdir(), 'promtool-'));
    try {
      const broken = join(dir, 'prometheus.yml');
      writeFileSync(broken, readFileSync(CONFIG, 'utf8').replace('scrape_interval: 15s', 'scrape_interval: often'));
      assert.notEqual(promtool(broken).status, 0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('scrapes the gateway /metrics and node_exporter on the Pi and the four Jetsons, each with a node label', () => {
    const config = parse(readFileSync(CONFIG, 'utf8')) as { scrape_configs: ScrapeConfig[] };
    const job = (name: string) => config.scrape_configs.find((c) => c.job_name === name);
    assert.equal(job('gateway')?.metrics_path, '/metrics');
    const nodes = job('nodes')?.static_configs ?? [];
    assert.deepEqual(nodes.map((s) => s.labels?.['node']), ['pi', 'jetson-1', 'jetson-2', 'jetson-3', 'jetson-4']);
    assert.ok(nodes.every((s) => s.targets.every((t) => t.endsWith(':9100'))));
  });
});
