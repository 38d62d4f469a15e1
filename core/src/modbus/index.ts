// The Modbus register map of a PLC (docs/modbus.md): shared by the simulator's servers and the platform's poller.
export { PLC_REGISTERS, PLC_REGISTER_COUNT, PLC_MAP_ID, PLC_MAP_VERSION, PLC_STATUS, encodePlcImage, decodePlcImage } from './plc-register-map.js';
export type { PlcImage, PlcImageLimits, LatchedCycle } from './plc-register-map.js';
