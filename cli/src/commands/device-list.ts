import type { Command } from '../command.js';
import { withPlatform } from '../platform/with-platform.js';

export const deviceList: Command = {
  path: ['device', 'list'],
  summary: 'List registered devices',
  usage: '',
  options: {},
  async run(_values, _positionals, io) {
    return withPlatform(io, async (p) => {
      const r = await p.registry.listDevices();
      if (!r.ok) {
        io.err(`error ${r.error.code}: ${r.error.message}`);
        return 1;
      }
      io.out(`${'ID'.padEnd(7)}${'NAME'.padEnd(28)}${'STATUS'.padEnd(10)}CREATED`);
      for (const d of r.value) {
        io.out(`${String(d.id).padEnd(7)}${d.name.padEnd(28)}${(d.revokedAt ? 'revoked' : 'active').padEnd(10)}${d.createdAt.toISOString()}`);
      }
      return 0;
    });
  },
};
