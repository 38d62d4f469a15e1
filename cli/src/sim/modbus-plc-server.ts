import modbusSerial from 'modbus-serial';
import { StartupError } from '@typedcluster/core';

export interface PlcServerOptions {
  readonly host: string;
  /** 1..65535: modbus-serial's server cannot pick a free port (0 means its default, 502). */
  readonly port: number;
  /** The input registers now; read once per request, so every answer is one consistent image. */
  readonly registers: () => readonly number[];
}

export interface PlcServer {
  readonly port: number;
  /** Requests answered (exceptions included). */
  readonly requests: number;
  close(): Promise<void>;
}

/** docs/modbus.md §1: an address outside the map is answered with exception 02 (illegal data address). */
const ILLEGAL_ADDRESS = { modbusErrorCode: 0x02, msg: 'illegal data address' };

/**
 * A simulated PLC as a Modbus TCP server (modbus-serial's ServerTCP): input
 * registers only (function 04); unit id 1; holding registers, coils and
 * writes are answered with an exception. Throws StartupError PORT_IN_USE or
 * CONFIG_INVALID when it cannot listen.
 */
export async function startPlcServer(o: PlcServerOptions): Promise<PlcServer> {
  let requests = 0;
  const slice = (addr: number, length: number): number[] => {
    requests++;
    const words = o.registers();
    if (addr < 0 || length < 1 || addr + length > words.length) throw ILLEGAL_ADDRESS;
    return words.slice(addr, addr + length);
  };
  const refuse = () => {
    requests++;
    throw ILLEGAL_ADDRESS;
  };
  const server = new modbusSerial.ServerTCP(
    {
      getInputRegister: (addr: number) => slice(addr, 1)[0] ?? 0,
      getMultipleInputRegisters: (addr: number, length: number) => slice(addr, length),
      getHoldingRegister: refuse,
      getMultipleHoldingRegisters: refuse,
      getCoil: refuse,
      getDiscreteInput: refuse,
      setRegister: refuse,
      setCoil: refuse,
    },
    { host: o.host, port: o.port, unitID: 1 },
  );
  await new Promise<void>((resolve, reject) => {
    server.once('initialized', () => resolve());
    server.once('serverError', (e: Error | null) => {
      const code = (e as NodeJS.ErrnoException | null)?.code;
      reject(
        code === 'EADDRINUSE'
          ? new StartupError('PORT_IN_USE', `Modbus port ${o.host}:${o.port} is already in use`, 'pick another --modbus-port, or stop the other process')
          : new StartupError('CONFIG_INVALID', `cannot listen for Modbus on ${o.host}:${o.port}: ${e?.message}`, 'set --modbus-host to an address of this machine and --modbus-port above 1023'),
      );
    });
  });
  // A client that vanishes mid-answer is its own problem; without listeners these would crash the process.
  server.on('socketError', () => undefined);
  server.on('error', () => undefined);
  return {
    port: o.port,
    get requests() {
      return requests;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
