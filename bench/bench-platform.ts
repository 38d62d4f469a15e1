import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, freePort, systemRandom } from '@typedcluster/core';
import { readCliConfig } from '../cli/src/cli-config.js';
import { provisionDevice } from '../cli/src/platform/provision-device.js';
import { startPlatform, type RunningPlatform } from '../cli/src/platform/start-platform.js';
import { peakRssMb } from './bench-args.js';
import { cpuSeconds, cpuSecondsByName, cpuSecondsOfTree, postmasterPid } from './cpu-usage.js';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));

export interface BenchPlatform {
  readonly platform: RunningPlatform;
  readonly home: string;
  /** Provisions `n` devices and returns their credentials files. */
  devices(n: number): Promise<string[]>;
  /** Peak RSS (MB) of this process (gateway and broker) and of each function process. */
  rss(): Promise<Record<string, number | undefined>>;
  /** CPU seconds so far of this process (gateway, broker, connector), each function, and this run's PostgreSQL cluster. */
  cpu(): Promise<Record<string, number | undefined>>;
  stop(): Promise<void>;
}

/**
 * The platform exactly as `typedcluster up` starts it (embedded PostgreSQL
 * with its durable defaults, embedded broker, gateway, functions in their
 * own processes), in a throwaway home on free ports.
 */
export async function startBenchPlatform(): Promise<BenchPlatform> {
  const home = await mkdtemp(join(tmpdir(), 'typedcluster-bench-'));
  await chmod(home, 0o755); // the embedded PostgreSQL runs as the postgres user and must reach its data dir
  // The connector's tuning variables pass through, so a run can try other windows and batch sizes.
  const tuning = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^MQTT_(INFLIGHT|CONCURRENCY|BATCH_MAX|BATCH_WAIT)$/.test(k)));
  const env = { ...tuning, TYPEDCLUSTER_HOME: home, PG_PORT: String(await freePort()), PORT: '0', MQTT_PORT: '0', STACK_FILE: join(ROOT, 'stack.yml'), LOG_LEVEL: 'warn' };
  process.stderr.write(`starting the platform (embedded PostgreSQL and broker in ${home})…\n`);
  const log = createLogger('bench', { level: 'warn' });
  const config = readCliConfig(env, ROOT);
  const platform = await startPlatform({ config, env, log, random: systemRandom, uniform: Math.random, now: Date.now, fetch, demo: false });
  // Only this run's cluster: other PostgreSQL servers on the machine are not ours to count.
  const postmaster = await postmasterPid(config.pgDataDir);
  return {
    platform,
    home,
    async devices(n) {
      const files: string[] = [];
      for (let i = 0; i < n; i++) {
        const out = join(home, 'devices', `bench-${i}.json`);
        const r = await provisionDevice(platform.database.db, { name: `bench-${i}`, out, platformPublicKey: platform.secrets.platformKeys.publicKey }, systemRandom);
        if (!r.ok) throw new Error(r.error.message);
        files.push(out);
      }
      return files;
    },
    async rss() {
      const out: Record<string, number | undefined> = { gateway: process.resourceUsage().maxRSS / 1024 };
      for (const { name } of platform.gateway.stack.functions) {
        const pid = platform.gateway.supervisor.get(name)?.pid;
        out[name] = pid ? await peakRssMb(pid) : undefined;
      }
      return out;
    },
    async cpu() {
      const self = process.cpuUsage();
      const out: Record<string, number | undefined> = { gateway: (self.user + self.system) / 1e6 };
      for (const { name } of platform.gateway.stack.functions) {
        const pid = platform.gateway.supervisor.get(name)?.pid;
        out[name] = pid ? await cpuSeconds(pid) : undefined;
      }
      out['postgres'] = postmaster === undefined ? await cpuSecondsByName('postgres') : await cpuSecondsOfTree(postmaster);
      return out;
    },
    async stop() {
      await platform.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Runs a bench child process (tsx) with a JSON job; resolves its last stdout line as JSON. */
export async function runChild<T>(script: string, job: unknown, onMessage?: (m: unknown, child: import('node:child_process').ChildProcess) => void): Promise<T> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--conditions=typescript', '--import', 'tsx', join(ROOT, 'bench', script), JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'], cwd: ROOT });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    if (onMessage) child.on('message', (m) => onMessage(m, child));
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').pop() ?? '{}') as T) : reject(new Error(`${script} exited with ${code}`))));
  });
}

export const round = (n: number): number => Math.round(n * 10) / 10;
