import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  DASHBOARD_CONFIG_VARIABLES,
  GATEWAY_CONFIG_VARIABLES,
  MODBUS_CONFIG_VARIABLES,
  MQTT_CONNECTOR_CONFIG_VARIABLES,
  REST_CONFIG_VARIABLES,
  TCP_LISTENER_CONFIG_VARIABLES,
} from '@typedcluster/gateway';
import { CLI_ENV } from './cli-config.js';

const readme = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const rowFor = (text: string, name: string) => new RegExp(`^\\| \`${name}\` \\|`, 'm').test(text);

/** The READMEs promise one table row per variable: keep them in step with the code. */
describe('configuration tables', () => {
  it('cli/README.md has a row for every CLI variable', () => {
    const text = readme('../README.md');
    for (const [name] of CLI_ENV) assert.ok(rowFor(text, name), `cli/README.md lacks a row for ${name}`);
  });

  it('gateway/README.md has a row for every variable of the gateway, its connector, TCP listener, Modbus poller, REST API and dashboard', () => {
    const text = readme('../../gateway/README.md');
    const all = [...GATEWAY_CONFIG_VARIABLES, ...MQTT_CONNECTOR_CONFIG_VARIABLES, ...TCP_LISTENER_CONFIG_VARIABLES, ...MODBUS_CONFIG_VARIABLES, ...REST_CONFIG_VARIABLES, ...DASHBOARD_CONFIG_VARIABLES];
    for (const v of all) assert.ok(rowFor(text, v.name), `gateway/README.md lacks a row for ${v.name}`);
  });
});
