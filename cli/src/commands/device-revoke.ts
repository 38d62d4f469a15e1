import type { Command } from '../command.js';
import { withPlatform } from '../platform/with-platform.js';

export const deviceRevoke: Command = {
  path: ['device', 'revoke'],
  summary: 'Revoke a device: its frames are rejected as UNKNOWN_DEVICE from now on',
  usage: '<id>',
  options: {},
  details: ['Running functions notice within DEVICE_CACHE_TTL (default 10s).'],
  async run(_values, positionals, io) {
    const id = Number(positionals[0]);
    if (!Number.isInteger(id) || id < 1 || id > 32767) {
      io.err('error: give the device id (1..32767), e.g. "typedcluster device revoke 7"');
      return 2;
    }
    return withPlatform(io, async (p) => {
      const r = await p.registry.revokeDevice(id);
      if (!r.ok) {
        io.err(`error ${r.error.code}: ${r.error.message}`);
        return 1;
      }
      io.out(r.value === 'revoked' ? `device ${id} revoked` : `device ${id} was already revoked`);
      return 0;
    });
  },
};
