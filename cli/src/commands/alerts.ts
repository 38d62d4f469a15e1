import type { Command } from '../command.js';
import { runUntilStopped } from '../run-until-stopped.js';
import { DEFAULT_API_URL } from '../alerts/alert-flags.js';
import { runAlerts } from '../alerts/run-alerts.js';

export { runAlerts } from '../alerts/run-alerts.js';

export const alerts: Command = {
  path: ['alerts'],
  summary: 'Watch the REST API and raise alerts: sensors out of their phase range, anomaly reports',
  usage: '[--api URL] [--token JWT] [--interval 5s] [--mqtt-url URL|none] [--webhook URL] [--state FILE]',
  options: {
    api: { type: 'string', default: DEFAULT_API_URL, description: 'the PostgREST-compatible REST API (docs/rest-api.md)' },
    token: { type: 'string', description: 'a JWT (HS256, secret jwt-secret); without it the API is read anonymously (read-only)' },
    interval: { type: 'string', default: '5s', description: 'time between polls; failures back off up to 60s' },
    overlap: { type: 'string', default: '2m', description: 'how far behind its cursor each poll re-reads, for rows committed late' },
    'mqtt-url': { type: 'string', description: 'broker for alerts/<plc>/<kind> (QoS 1, user alert-client); "none" for no MQTT (default: $MQTT_URL, else the embedded broker)' },
    webhook: { type: 'string', description: 'also POST each alert as JSON here (retried until 2xx; header Idempotency-Key = alert id)' },
    state: { type: 'string', description: 'cursor and pending alerts, kept across restarts (default: $TYPEDCLUSTER_HOME/alerts/state.json)' },
  },
  details: [
    'Each poll reads the cycle phases, readings and anomaly reports committed since the saved cursor, checks each',
    'sensor value against its phase range (core modelo_tipico.json; readings against the reading model) and',
    'alerts when a sensor leaves its range (out-of-range) and when it returns (back-in-range), once each: a sensor',
    'that stays out raises nothing more. Every anomaly report raises anomaly (or unusable-input).',
    '',
    'Delivery is at least once with stable alert ids: the cursor and the pending alerts are saved together',
    'before delivery, so a restart or an API outage misses nothing; only a crash while delivering can repeat',
    'an alert, with the same id. An unreachable API, a bad URL or token is said in one line and retried.',
    '',
    'Examples:',
    '  typedcluster alerts',
    '  typedcluster alerts --interval 2s --webhook https://hooks.example.com/plant',
    '  typedcluster alerts --api http://pi.local:8080/api --mqtt-url none --state /var/lib/typedcluster/alerts.json',
  ],
  run(values, _positionals, io) {
    return runUntilStopped((signal) => runAlerts(values, io, signal));
  },
};
