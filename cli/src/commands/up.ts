import { once } from 'node:events';
import { createLogger, redactUrl, systemRandom } from '@typedcluster/core';
import { readCliConfig } from '../cli-config.js';
import type { Command } from '../command.js';
import { runUntilStopped } from '../run-until-stopped.js';
import { startPlatform } from '../platform/start-platform.js';

export const up: Command = {
  path: ['up'],
  summary: 'Start the platform on this machine: PostgreSQL, the gateway and every function in stack.yml',
  usage: '[--demo]',
  options: {
    demo: { type: 'boolean', default: false, description: 'also run a built-in sensor and PLC so readings flow at once' },
  },
  details: [
    'Uses the embedded PostgreSQL (data in $TYPEDCLUSTER_HOME/pg) unless DATABASE_URL is set.',
    'Gateway settings (PORT, BIND_ADDRESS, STACK_FILE, EXEC_TIMEOUT, …) are listed in gateway/README.md.',
    'Stop with Ctrl-C.',
  ],
  async run(values, _positionals, io) {
    const config = readCliConfig(io.env, io.cwd);
    const log = createLogger('typedcluster', { level: config.logLevel, sink: io.err });
    const platform = await startPlatform({
      config,
      env: io.env,
      log,
      random: systemRandom,
      uniform: Math.random,
      now: Date.now,
      fetch: globalThis.fetch,
      demo: values['demo'] === true,
    });
    const { gateway, database, secrets } = platform;
    // The URL holds a password: point at the secret file rather than print it.
    const psqlUrl = `$(cat ${secrets.dir}/database-url)`;
    io.out('');
    io.out(`TypedCluster is up. Gateway: ${gateway.url}  (functions: ${gateway.stack.functions.map((f) => f.name).join(', ')})`);
    io.out(`  database     ${redactUrl(database.url)} (${database.mode})`);
    io.out(`  MQTT broker  ${platform.broker.url} (${platform.broker.mode}; devices log in with their id and the mqttPassword in their credentials)`);
    io.out(`  secrets      ${secrets.dir}`);
    io.out(`  system API   curl -u ${secrets.basicAuthUser}:$(cat ${secrets.dir}/basic-auth-password) ${gateway.url}/system/functions`);
    io.out(`  metrics      curl ${gateway.url}/metrics`);
    io.out(`  readings     psql "${psqlUrl}" -c "SELECT * FROM readings ORDER BY ts DESC LIMIT 5"`);
    io.out(`  cycles       psql "${psqlUrl}" -c "SELECT * FROM cycle_phases ORDER BY phase_start DESC LIMIT 5"`);
    if (gateway.app.hasRoute({ method: 'GET', url: '/dashboard/events' })) io.out(`  dashboard    ${gateway.url}/dashboard/`);
    if (gateway.app.hasRoute({ method: 'GET', url: '/api/:view' })) io.out(`  REST API     curl '${gateway.url}/api/anomaly_reports?order=ts.desc&limit=5'   (docs/rest-api.md)`);
    if (gateway.tcp) io.out(`  TCP devices  ${gateway.tcp.bindAddress}:${gateway.tcp.port}${gateway.tcp.tls ? ' (TLS)' : ''}   (docs/wire-format.md §6.4)`);
    io.out(`  new device   npx typedcluster device add --name <name>`);
    if (platform.demo.length > 0) io.out('  demo         3 simulated PLCs publish a cycle every 30 s, a sensor a reading every second (MQTT)');
    io.out('Press Ctrl-C to stop.');

    return runUntilStopped(async (signal) => {
      await once(signal, 'abort');
      io.err('stopping…');
      for (const sim of platform.demo) io.err(`demo: ${JSON.stringify(sim.stats)}`);
      await platform.stop();
      return 0;
    });
  },
};
