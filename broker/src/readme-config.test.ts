import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { BROKER_CONFIG_VARIABLES } from './broker-config.js';

describe('broker/README.md', () => {
  it('has one row per configuration variable, with the default the code uses', () => {
    const text = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const v of BROKER_CONFIG_VARIABLES) {
      const rows = text.split('\n').filter((l) => l.startsWith(`| \`${v.name}\` |`));
      assert.equal(rows.length, 1, v.name);
      assert.ok(rows[0]!.startsWith(`| \`${v.name}\` | \`${v.default}\` | ${v.description} |`), rows[0]);
    }
  });
});
