import type { Command } from '../command.js';
import { deviceAdd } from './device-add.js';
import { deviceList } from './device-list.js';
import { deviceRevoke } from './device-revoke.js';
import { up } from './up.js';
import { sim } from './sim.js';
import { simHistorical } from './sim-historical.js';
import { alerts } from './alerts.js';
import { token } from './token.js';
import { evalCommand } from './eval.js';
import { modelsActivate, modelsList } from './models.js';
import { train } from './train.js';

/** Every `typedcluster` command, in the order `--help` lists them. */
export const COMMANDS: readonly Command[] = [up, deviceAdd, deviceList, deviceRevoke, sim, simHistorical, alerts, token, evalCommand, train, modelsList, modelsActivate];
