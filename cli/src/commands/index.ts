import type { Command } from '../command.js';
import { deviceAdd } from './device-add.js';
import { deviceList } from './device-list.js';
import { deviceRevoke } from './device-revoke.js';
import { up } from './up.js';
import { sim } from './sim.js';

/** Every `typedcluster` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [up, deviceAdd, deviceList, deviceRevoke, sim];
