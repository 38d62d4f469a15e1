import type { Level } from 'level';

/**
 * MQTT lets a new connection take over any session with the same client id
 * (MQTT-3.1.4-2), and a clean one wipes it. Without a check, any device that
 * knows the gateway connector's client id could disconnect it and discard
 * the messages queued for it. So a client id is bound to the user that
 * first held it: for as long as it is connected, and for ever once used for
 * a persistent session (stored, so the binding outlives a broker restart).
 */
export interface SessionOwners {
  /** True when `username` may use `clientId`; binds a persistent session's id to its user. */
  claim(clientId: string, username: string, persistent: boolean): Promise<boolean>;
}

/** `liveOwner` says who holds a connected client id now (undefined: nobody). */
export function createSessionOwners(db: Level<string, string>, liveOwner: (clientId: string) => string | undefined): SessionOwners {
  const owners = db.sublevel<string, string>('session-owner', { valueEncoding: 'utf8' });
  return {
    async claim(clientId, username, persistent) {
      const live = liveOwner(clientId);
      if (live !== undefined && live !== username) return false;
      const stored = await owners.get(clientId);
      if (stored !== undefined) return stored === username;
      if (persistent) await owners.put(clientId, username);
      return true;
    },
  };
}
