import type { MqttClient } from 'mqtt';

export interface StallKeepalive {
  start(): void;
  stop(): void;
}

/**
 * While MQTT.js reads nothing (window full) it cannot see PINGRESPs and
 * would drop a healthy connection: keep the keepalive going by hand.
 */
export function createStallKeepalive(client: () => MqttClient | undefined, keepaliveS: number): StallKeepalive {
  let timer: NodeJS.Timeout | undefined;
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => {
        const c = client();
        if (!c?.connected) return;
        c.reschedulePing(true);
        c.sendPing();
      }, (keepaliveS * 1000) / 3);
      timer.unref();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}
