import modbusSerial from 'modbus-serial';
import { fail, ok, type Result } from '@typedcluster/core';

/** Reads input registers from one PLC; the poller's only view of Modbus. */
export interface RegisterReader {
  /**
   * Reads `count` input registers (function 04) from `address`, connecting
   * first when not connected. Failures: MODBUS_UNREACHABLE (connection
   * refused, broken or silent past the timeout), MODBUS_EXCEPTION,
   * MODBUS_BAD_RESPONSE (malformed, or another number of registers).
   */
  readInputRegisters(address: number, count: number): Promise<Result<number[]>>;
  close(): Promise<void>;
}

/** modbus-serial is CommonJS: its client class is the module itself, also exported as `default`. */
const ModbusRTU = modbusSerial.default;
type ModbusClient = InstanceType<typeof ModbusRTU>;

export interface ModbusTcpReaderOptions {
  readonly host: string;
  readonly port: number;
  readonly unitId: number;
  /** Per connection attempt and per request. */
  readonly timeoutMs: number;
}

/**
 * A RegisterReader over modbus-serial's TCP client (docs/modbus.md §7 on
 * the choice). After a timeout or a malformed answer the connection is
 * dropped and opened again on the next read: a late answer would otherwise
 * be taken for the next request's.
 */
export function createModbusTcpReader(o: ModbusTcpReaderOptions): RegisterReader {
  let client: ModbusClient | undefined;

  const drop = async () => {
    const c = client;
    client = undefined;
    if (c) await new Promise<void>((r) => c.destroy(() => r()));
  };

  async function connect(): Promise<Result<ModbusClient>> {
    if (client?.isOpen) return ok(client);
    await drop();
    const c = new ModbusRTU();
    c.on('error', () => undefined); // socket errors also fail the pending request; that is where they are reported
    c.setID(o.unitId);
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        c.connectTCP(o.host, { port: o.port }),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no connection within ${o.timeoutMs} ms`)), o.timeoutMs))),
      ]);
    } catch (e) {
      c.destroy(() => undefined);
      return fail('MODBUS_UNREACHABLE', `cannot connect to ${o.host}:${o.port}: ${describe(e)}`);
    } finally {
      clearTimeout(timer);
    }
    // Set after connecting: modbus-serial would also make it the socket's idle timeout.
    c.setTimeout(o.timeoutMs);
    client = c;
    return ok(c);
  }

  return {
    async readInputRegisters(address, count) {
      const c = await connect();
      if (!c.ok) return c;
      try {
        const r = await c.value.readInputRegisters(address, count);
        if (r.data.length !== count) {
          await drop();
          return fail('MODBUS_BAD_RESPONSE', `asked for ${count} registers, got ${r.data.length}`);
        }
        return ok(r.data);
      } catch (e) {
        const code = classify(e);
        if (code !== 'MODBUS_EXCEPTION') await drop();
        return fail(code, `${o.host}:${o.port} unit ${o.unitId}: ${describe(e)}`);
      }
    },
    close: drop,
  };
}

type ReadFailure = 'MODBUS_UNREACHABLE' | 'MODBUS_EXCEPTION' | 'MODBUS_BAD_RESPONSE';

/** modbus-serial's errors: `modbusCode` for exception answers, `errno` (ETIMEDOUT, ECONNREFUSED…) or a Node `code` for the connection; the rest are malformed answers. */
function classify(e: unknown): ReadFailure {
  const err = e as { modbusCode?: unknown; errno?: unknown; code?: unknown };
  if (typeof err.modbusCode === 'number') return 'MODBUS_EXCEPTION';
  const sys = typeof err.errno === 'string' ? err.errno : typeof err.code === 'string' ? err.code : '';
  return /^E[A-Z]+$/.test(sys) ? 'MODBUS_UNREACHABLE' : 'MODBUS_BAD_RESPONSE';
}

const describe = (e: unknown) => (e instanceof Error ? e.message : typeof e === 'object' && e && 'message' in e ? String((e as { message: unknown }).message) : String(e));
