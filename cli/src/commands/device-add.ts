import { join, resolve } from 'node:path';
import { systemRandom } from '@typedcluster/core';
import type { Command } from '../command.js';
import { provisionDevice } from '../platform/provision-device.js';
import { withPlatform } from '../platform/with-platform.js';

export const deviceAdd: Command = {
  path: ['device', 'add'],
  summary: 'Provision a device: create its identity key, register it, write its credentials file',
  usage: '--name <name> [--id <1..32767>] [--out <file>]',
  options: {
    name: { type: 'string', short: 'n', description: 'unique device name, e.g. press-7' },
    id: { type: 'string', description: 'device id 1..32767 (default: lowest free id)' },
    out: { type: 'string', short: 'o', description: 'credentials file (default: $TYPEDCLUSTER_HOME/devices/<name>.json)' },
  },
  details: [
    'The credentials file holds the device\'s secret identity key and the platform\'s public key:',
    'copy it to the sensor and keep it private (mode 0600).',
    '',
    'Example:',
    '  typedcluster device add --name press-7',
  ],
  async run(values, _positionals, io) {
    const name = typeof values['name'] === 'string' ? values['name'].trim() : '';
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(name)) {
      io.err('error: --name is required: letters, digits, ".", "_" or "-", at most 63 characters');
      return 2;
    }
    let id: number | undefined;
    if (values['id'] !== undefined) {
      id = Number(values['id']);
      if (!Number.isInteger(id) || id < 1 || id > 32767) {
        io.err(`error: --id ${String(values['id'])} is not an integer in 1..32767`);
        return 2;
      }
    }
    return withPlatform(io, async (p) => {
      const out = typeof values['out'] === 'string' ? resolve(io.cwd, values['out']) : join(p.config.devicesDir, `${name}.json`);
      const r = await provisionDevice(p.database.db, { name, id, out, platformPublicKey: p.secrets.platformKeys.publicKey }, systemRandom);
      if (!r.ok) {
        io.err(`error ${r.error.code}: ${r.error.message}`);
        return 1;
      }
      io.out(`device ${r.value.deviceId} (${name}) registered`);
      io.out(`credentials: ${out} (secret: copy it to the device, keep it private)`);
      return 0;
    });
  },
};
