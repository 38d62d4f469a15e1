import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderDashboards } from './render-dashboards.js';

/** `npm run grafana:generate`: writes grafana/dashboards/*.json and removes dashboards no longer generated. */
export const DASHBOARDS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'dashboards');

async function main(): Promise<void> {
  const files = renderDashboards();
  await mkdir(DASHBOARDS_DIR, { recursive: true });
  for (const old of await readdir(DASHBOARDS_DIR)) if (old.endsWith('.json') && !(old in files)) await rm(join(DASHBOARDS_DIR, old));
  for (const [name, text] of Object.entries(files)) await writeFile(join(DASHBOARDS_DIR, name), text);
  console.log(`wrote ${Object.keys(files).map((f) => `grafana/dashboards/${f}`).join(', ')}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
