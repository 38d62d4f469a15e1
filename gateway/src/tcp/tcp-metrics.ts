import { Counter, Gauge, type Registry } from 'prom-client';
import { isErrorCode, type AckOutcome } from '@typedcluster/core';

export interface TcpMetrics {
  connectionOpened(tls: boolean): void;
  connectionClosed(): void;
  connectionRefused(code: string): void;
  frame(): void;
  ack(outcome: AckOutcome, code: string): void;
  protocolError(code: string): void;
  retried(): void;
}

/** The listener's series, in the gateway's registry (gateway/README.md, "TCP listener"). */
export function createTcpMetrics(registry: Registry): TcpMetrics {
  const registers = [registry];
  const open = new Gauge({ name: 'typedcluster_tcp_connections', help: 'Device connections open on the TCP listener', registers });
  const accepted = new Counter({ name: 'typedcluster_tcp_connections_total', help: 'Device connections accepted (outcome plain|tls) or refused at once (outcome TOO_MANY_CONNECTIONS|SHUTTING_DOWN)', labelNames: ['outcome'], registers });
  const frames = new Counter({ name: 'typedcluster_tcp_frames_total', help: 'Frames received on the TCP listener', registers });
  const acks = new Counter({ name: 'typedcluster_tcp_acks_total', help: 'Acknowledgement records sent, by outcome (stored, duplicate, refused, retry, closing) and catalogue code', labelNames: ['outcome', 'code'], registers });
  const protocol = new Counter({ name: 'typedcluster_tcp_protocol_errors_total', help: 'Streams that could not be framed (TOO_LARGE prefix, TRUNCATED at close) or failed TLS handshakes (TLS_HANDSHAKE)', labelNames: ['reason'], registers });
  const retries = new Counter({ name: 'typedcluster_tcp_invocation_retries_total', help: 'Frames the listener invoked again after a failed or unavailable invocation', registers });
  open.set(0);
  const code = (c: string) => (c === '' || isErrorCode(c) ? c : 'OTHER');
  return {
    connectionOpened: (tls) => {
      open.inc();
      accepted.inc({ outcome: tls ? 'tls' : 'plain' });
    },
    connectionClosed: () => open.dec(),
    connectionRefused: (c) => accepted.inc({ outcome: code(c) }),
    frame: () => frames.inc(),
    ack: (outcome, c) => acks.inc({ outcome, code: code(c) }),
    protocolError: (reason) => protocol.inc({ reason }),
    retried: () => retries.inc(),
  };
}
