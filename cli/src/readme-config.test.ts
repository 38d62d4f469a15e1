import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DASHBOARD_CONFIG_VARIABLES, GATEWAY_CONFIG_VARIABLES, MQTT_CONNECTOR_CONFIG_VARIABLES, REST_CONFIG_VARIABLES } from '@typedcluster/gateway';
import { MODBUS_CONFIG_VARIABLES } from '@typedcluster/gateway';
import { CLI_ENV } from './cli-config.js';

const readme = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const rowFor = (text: string, name: string) => new RegExp(`^\\| \`${name}\` \\|`, 'm').test(text);

/** The READMEs promise one table row per variable: keep them in step with the code. */
describe('configuration tables', () => {
  it('cli/README.md has a row for every CLI variable', () => {
    const text = readme('../README.md');
    for (const [name] of CLI_ENV) assert.ok(rowFor(text, name), `cli/README.md lacks a row for ${name}`);
  });

  it('gateway/README.md has a row for every gateway variable', () => {
    const text = readme('../../gateway/README.md');
    for (const v of [...GATEWAY_CONFIG_VARIABLES, ...MQTT_CONNECTOR_CONFIG_VARIABLES, ...DASHBOARD_CONFIG_VARIABLES, ...REST_CONFIG_VARIABLES]) assert.ok(rowFor(text, v.name), `gateway/README.md lacks a row for ${v.name}`);
  });

  it('gateway/README.md has a row for every Modbus poller variable', () => {
    const text = readme('../../gateway/README.md');
    for (const v of MODBUS_CONFIG_VARIABLES) assert.ok(rowFor(text, v.name), `gateway/README.md lacks a row for ${v.name}`);
  });
});
