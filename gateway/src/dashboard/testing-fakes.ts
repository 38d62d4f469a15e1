import { EventEmitter } from 'node:events';
import type { Clock } from '../runtime/clock.js';
import type { SseSink } from './sse-client.js';

/** A socket-like sink for the dashboard's unit tests: `blocked` keeps bytes unsent until flush(). */
export class FakeSink extends EventEmitter implements SseSink {
  text = '';
  unsent = 0;
  blocked = false;
  write(chunk: string): boolean {
    this.text += chunk;
    if (this.blocked) this.unsent += chunk.length;
    return !this.blocked || this.unsent < 16 * 1024;
  }
  get writableLength(): number {
    return this.unsent;
  }
  /** The peer read everything. */
  flush(): void {
    this.blocked = false;
    this.unsent = 0;
    this.emit('drain');
  }
  /** Events as EventSource would dispatch them. */
  events(): Array<{ event: string; id: string | undefined; data: unknown }> {
    return this.text
      .split('\n\n')
      .map((block) => block.split('\n'))
      .filter((lines) => lines.some((l) => l.startsWith('data: ')))
      .map((lines) => ({
        event: lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message',
        id: lines.find((l) => l.startsWith('id: '))?.slice(4),
        data: JSON.parse(lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n')) as unknown,
      }));
  }
}

/** Time that moves only when told; timers are recorded, never fired. */
export function manualClock(start = 1_700_000_000_000): Clock & { advance(ms: number): void; pending: number } {
  let now = start;
  const timers = new Set<number>();
  let next = 0;
  return {
    now: () => now,
    setTimeout: () => {
      timers.add(++next);
      return next;
    },
    clearTimeout: (h) => timers.delete(h as number),
    advance: (ms) => (now += ms),
    get pending() {
      return timers.size;
    },
  };
}
