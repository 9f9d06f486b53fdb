import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../log.js';
import type { Config, ListenAddress } from '../config/schema.js';
import type { RtmpLimits } from '../rtmp/connection.js';
import { Hub } from '../core/hub.js';
import { ConnIdSequence, randomClientId } from '../core/ids.js';
import type { HookPort } from '../hooks/events.js';
import {
  DEFAULT_PLAYER_LIMITS,
  DEFAULT_SESSION_TIMEOUTS,
  RtmpSession,
  type PlayerLimits,
  type SessionContext,
  type SessionTimeouts,
} from './rtmp-session.js';

export interface RtmpServerOptions {
  getConfig(): Config;
  hub: Hub;
  hooks: HookPort;
  logger: Logger;
  limits?: Partial<RtmpLimits>;
  timeouts?: Partial<SessionTimeouts>;
  playerLimits?: Partial<PlayerLimits>;
}

/**
 * Accepts RTMP connections on every `listen` address, enforces
 * max_connections at accept (SRS drops the fd at once) and owns the live
 * sessions so they can be kicked or shut down.
 */
export class RtmpServer {
  private readonly servers: Server[] = [];
  private readonly sessions = new Map<string, RtmpSession>();
  private readonly connIds = new ConnIdSequence();
  private readonly context: SessionContext;

  constructor(private readonly options: RtmpServerOptions) {
    this.context = {
      getConfig: options.getConfig,
      hub: options.hub,
      hooks: options.hooks,
      logger: options.logger,
      limits: options.limits ?? {},
      timeouts: { ...DEFAULT_SESSION_TIMEOUTS, ...options.timeouts },
      playerLimits: { ...DEFAULT_PLAYER_LIMITS, ...options.playerLimits },
      pid: process.pid,
      onClosed: (session) => this.sessions.delete(session.clientId),
    };
  }

  /** Listens on every address; resolves with the bound addresses (port 0 → the real port). */
  async listen(addresses: readonly ListenAddress[]): Promise<AddressInfo[]> {
    const bound: AddressInfo[] = [];
    for (const address of addresses) {
      const server = createServer({ noDelay: true }, this.onConnection);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port: address.port, host: address.host }, () => {
          server.off('error', reject);
          resolve();
        });
      });
      server.on('error', (error) => this.options.logger.error({ err: error }, 'rtmp listener error'));
      this.servers.push(server);
      bound.push(server.address() as AddressInfo);
    }
    return bound;
  }

  /** Live sessions (for the API, shutdown and kick). */
  list(): IterableIterator<RtmpSession> {
    return this.sessions.values();
  }

  /** Ends one session by client id (SRS DELETE /api/v1/clients/<id>); false when unknown. */
  kick(clientId: string): boolean {
    const session = this.sessions.get(clientId);
    if (session === undefined) return false;
    session.close('kicked', 'kicked by operator');
    return true;
  }

  /** Stops accepting. */
  async closeListeners(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  /** Ends every session with `server_shutdown` (each emits its close event). */
  closeSessions(): void {
    for (const session of [...this.sessions.values()]) session.close('server_shutdown', 'server shutdown');
  }

  private readonly onConnection = (socket: Socket): void => {
    const max = this.options.getConfig().maxConnections;
    if (this.sessions.size >= max) {
      this.options.logger.warn({ ip: socket.remoteAddress, max }, 'drop connection: max_connections reached');
      socket.destroy();
      return;
    }
    let clientId = randomClientId();
    while (this.sessions.has(clientId)) clientId = randomClientId();
    const session = new RtmpSession(socket, this.context, { clientId, connId: this.connIds.take() });
    this.sessions.set(clientId, session);
    session.start();
  };
}
