import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from '../../log.js';
import type { Config, ListenAddress } from '../../config/schema.js';
import type { RtmpLimits } from '../../rtmp/connection.js';
import { HandshakeState } from '../../rtmp/handshake.js';
import type { ConnIdSequence } from '../../core/ids.js';
import { normalizeIp } from '../../util/ip.js';
import { Client, type LifecycleContext } from '../../session/client.js';
import { DEFAULT_PLAYER_LIMITS, type PlayerLimits } from '../../core/player.js';
import { DEFAULT_SESSION_TIMEOUTS, RtmpSession, type RtmpSessionContext, type SessionTimeouts } from './rtmp-session.js';

export interface RtmpServerOptions {
  getConfig(): Config;
  lifecycle: LifecycleContext;
  /** One sequence per server process: guide connection ids are unique across protocols. */
  connIds: ConnIdSequence;
  logger: Logger;
  limits?: Partial<RtmpLimits>;
  timeouts?: Partial<SessionTimeouts>;
  playerLimits?: Partial<PlayerLimits>;
}

/**
 * Accepts RTMP connections on every `listen` address and enforces
 * max_connections at accept over every client of every protocol (SRS drops
 * the fd at once). The live clients are the registry's.
 */
export class RtmpServer {
  private readonly servers: Server[] = [];
  private readonly context: RtmpSessionContext;

  constructor(private readonly options: RtmpServerOptions) {
    this.context = {
      getConfig: options.getConfig,
      limits: options.limits ?? {},
      timeouts: { ...DEFAULT_SESSION_TIMEOUTS, ...options.timeouts },
      playerLimits: { ...DEFAULT_PLAYER_LIMITS, ...options.playerLimits },
      pid: process.pid,
      // One randomness pool and digest-schema hint for every handshake this server answers.
      handshakeState: new HandshakeState(),
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

  /** Stops accepting. */
  async closeListeners(): Promise<void> {
    const servers = this.servers.splice(0);
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }

  private readonly onConnection = (socket: Socket): void => {
    const { lifecycle } = this.options;
    const max = this.options.getConfig().maxConnections;
    if (lifecycle.registry.size >= max) {
      this.options.logger.warn({ ip: socket.remoteAddress, max }, 'drop connection: max_connections reached');
      socket.destroy();
      return;
    }
    let session: RtmpSession | undefined;
    const client = new Client(
      lifecycle,
      {
        protocol: 'rtmp',
        connId: this.options.connIds.take(),
        ip: normalizeIp(socket.remoteAddress ?? ''),
        port: socket.remotePort ?? 0,
        serverIp: normalizeIp(socket.localAddress ?? ''),
        serverPort: socket.localPort ?? 0,
        bytes: () => session?.bytes() ?? { sendBytes: 0, recvBytes: 0 },
        closeWire: (reason, detail) => session?.closeWire(reason, detail),
      },
      lifecycle.registry.newId(),
    );
    session = new RtmpSession(socket, this.context, client);
    session.start();
  };
}
