import { parseArgs } from 'node:util';

/** Shared flag parsing for `npm run bench:* -- --flag value`; prints --help and exits on request or error. */
export function benchArgs<T extends Record<string, { type: 'string' | 'boolean'; default: string | boolean; description: string }>>(
  name: string,
  summary: string,
  spec: T,
): { [K in keyof T]: T[K]['default'] } {
  const options = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, { type: v.type, default: v.default }]));
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ args: process.argv.slice(2), options: { ...options, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (e) {
    process.stderr.write(`error: ${(e as Error).message}\nRun "npm run ${name} -- --help".\n`);
    process.exit(2);
  }
  if (values['help']) {
    process.stdout.write(`${summary}\n\nUsage: npm run ${name} -- [flags]\n\nFlags:\n`);
    for (const [k, v] of Object.entries(spec)) process.stdout.write(`  --${k.padEnd(14)}${v.description} (default ${String(v.default)})\n`);
    process.exit(0);
  }
  return values as { [K in keyof T]: T[K]['default'] };
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Peak resident set of a process, from /proc (VmHWM); undefined when it is gone or not Linux. */
export async function peakRssMb(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /VmHWM:\s+(\d+) kB/.exec(status);
  return m ? Number(m[1]) / 1024 : undefined;
}
