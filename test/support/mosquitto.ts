import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@typedcluster/core';

/**
 * Debian's Mosquitto for integration tests: the same users and ACL as our
 * embedded broker (docs/topics.md), as a password file and an ACL file.
 * Installed on first use (apt-get, as root); started as a child process on
 * 127.0.0.1 and a free port, never as a system service.
 */
export interface MosquittoUser {
  readonly username: string;
  readonly password: string;
}

export interface MosquittoOptions {
  /** Devices: username = device id in decimal. */
  readonly users: readonly MosquittoUser[];
  /** Password of the `gateway` user. */
  readonly gatewayPassword: string;
  /**
   * Passwords of the functions that publish (secrets `mqtt-store-reading-password`,
   * `mqtt-detect-anomaly-password`); a function left out cannot log in.
   */
  readonly functionPasswords?: Readonly<Partial<Record<'store-reading' | 'detect-anomaly', string>>>;
  /** Largest packet, as our broker's default (64 KiB). */
  readonly maxPacketBytes?: number;
}

export interface RunningMosquitto {
  readonly url: string;
  readonly port: number;
  /** Stops it and removes its files; safe to call twice. */
  stop(): Promise<void>;
  /** Stops it (saving its persistence) and starts it again on the same port and files. */
  restart(): Promise<void>;
  /** Its recent log lines, for failure messages. */
  log(): string;
}

const BINARIES = { broker: ['/usr/sbin/mosquitto'], passwd: ['/usr/bin/mosquitto_passwd'] };

/** Where mosquitto and mosquitto_passwd are, installing the Debian package if needed. Throws saying why it cannot. */
export function ensureMosquitto(): { broker: string; passwd: string; installedMs: number } {
  const found = () => ({ broker: which('mosquitto', BINARIES.broker), passwd: which('mosquitto_passwd', BINARIES.passwd) });
  let bins = found();
  if (bins.broker && bins.passwd) return { broker: bins.broker, passwd: bins.passwd, installedMs: 0 };
  if (process.getuid?.() !== 0) throw new Error('mosquitto is not installed and this is not root (run: apt-get install -y mosquitto)');
  const started = Date.now();
  // Several test processes may get here at once: flock serializes them, and
  // apt waits for dpkg's own lock instead of failing. The policy-rc.d of
  // Debian containers keeps apt from starting the system service.
  const install = 'apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 mosquitto';
  const script = `command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || ${install} || (apt-get update -o DPkg::Lock::Timeout=300 && ${install})`;
  const r = spawnSync('flock', ['/tmp/typedcluster-mosquitto-install.lock', 'sh', '-c', script], {
    encoding: 'utf8',
    timeout: 10 * 60_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  bins = found();
  if (!bins.broker || !bins.passwd) {
    const why = r.error?.message ?? r.stderr.trim().split('\n').slice(-2).join(' / ');
    throw new Error(`could not install mosquitto: ${why || `exit ${r.status}`}`);
  }
  return { broker: bins.broker, passwd: bins.passwd, installedMs: Date.now() - started };
}

export async function startMosquitto(opts: MosquittoOptions): Promise<RunningMosquitto> {
  const bins = ensureMosquitto();
  const dir = await mkdtemp(join(tmpdir(), 'tc-mosquitto-'));
  const port = await freePort();
  try {
    await writeConfig(dir, port, bins.passwd, opts);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const lines: string[] = [];
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bins.broker, ['-c', join(dir, 'mosquitto.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => lines.push(...d.toString('utf8').split('\n').filter(Boolean)) > 200 && lines.splice(0, lines.length - 200);
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    await waitForPort(port, child, () => lines.join('\n'));
  };
  const halt = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    c.kill('SIGTERM'); // mosquitto writes its persistence file on SIGTERM
    const timer = setTimeout(() => c.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  let stopped: Promise<void> | undefined;
  try {
    await start();
  } catch (e) {
    await halt();
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    stop: () => (stopped ??= halt().then(() => rm(dir, { recursive: true, force: true }))),
    restart: async () => {
      await halt();
      await start();
    },
    log: () => lines.join('\n'),
  };
}

async function writeConfig(dir: string, port: number, passwdBin: string, opts: MosquittoOptions): Promise<void> {
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  const data = join(dir, 'data');
  await mkdir(data, { mode: 0o700 });
  await writeFile(passwd, '', { mode: 0o600 });
  const functions = Object.entries(opts.functionPasswords ?? {}).flatMap(([username, password]) => (password === undefined ? [] : [{ username, password }]));
  for (const u of [{ username: 'gateway', password: opts.gatewayPassword }, ...functions, ...opts.users]) {
    const r = spawnSync(passwdBin, ['-b', passwd, u.username, u.password], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mosquitto_passwd for ${u.username} failed: ${r.stderr.trim()}`);
  }
  await writeFile(
    acl,
    [
      '# docs/topics.md §Access control',
      'user gateway',
      'topic read plc/+/cycle',
      'topic read sensor/+/reading',
      'topic readwrite typedcluster/dead-letter/#',
      'topic read readings/+',
      '',
      '# the functions that publish: store-reading the text stage, detect-anomaly its reports',
      'user store-reading',
      'topic write readings/+',
      '',
      'user detect-anomaly',
      'topic write anomaly/+/report',
      '',
      '# every device: its own topics only (%u = its username = its id)',
      'pattern write plc/%u/cycle',
      'pattern write sensor/%u/reading',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  const asRoot = process.getuid?.() === 0;
  await writeFile(
    join(dir, 'mosquitto.conf'),
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous false',
      `password_file ${passwd}`,
      `acl_file ${acl}`,
      'persistence true',
      `persistence_location ${data}/`,
      // As our broker: whole packets over the limit are refused (the client is disconnected).
      `max_packet_size ${opts.maxPacketBytes ?? 65536}`,
      // Devices publish QoS 0 or 1, never retained; Mosquitto can only say so for everyone.
      'max_qos 1',
      'retain_available false',
      // Run as root, Mosquitto would switch to the `mosquitto` user, which cannot read these files.
      ...(asRoot ? ['user root'] : []),
      'log_dest stderr',
      'log_type error',
      'log_type warning',
      'log_type notice',
      'log_type information',
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  await chmod(dir, 0o700);
}

/** Resolves when something accepts connections on the port; rejects when mosquitto exits first or after 10 s. */
async function waitForPort(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`mosquitto exited (${child.exitCode ?? child.signalCode}):\n${log()}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`mosquitto did not listen on ${port} within 10 s:\n${log()}`);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function which(name: string, fallbacks: readonly string[]): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  const p = r.status === 0 ? r.stdout.trim() : '';
  return p || fallbacks.find((f) => existsSync(f));
}
