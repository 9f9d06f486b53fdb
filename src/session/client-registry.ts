import { randomClientId } from '../core/ids.js';
import type { ClientProtocol, ClientType, CloseReason } from '../hooks/events.js';
import type { SessionFacts } from './session-event.js';

/** What lal numbers its session ids by: each client protocol, and relays apart from the clients that connect to us. */
export type OrdinalKind = ClientProtocol | 'rtmp-pull' | 'rtmp-forward';

/** What the registry and its readers (API, shutdown, kick, stats) see of a live client. */
export interface RegisteredClient {
  /** SRS 8-character client id: the same in logs, hooks and the API. */
  readonly id: string;
  readonly protocol: ClientProtocol;
  /** SRS client type once known (`fmle-publish`, `rtmp-play`, `flv-play` ...). */
  readonly type: ClientType | undefined;
  readonly facts: Readonly<SessionFacts>;
  readonly startedAtMs: number;
  /** The publish or play in force; undefined between them (an RTMP client after unpublish) and before. */
  readonly current: { readonly kind: 'publish' | 'play' } | undefined;
  bytes(): { sendBytes: number; recvBytes: number };
  /** Ends the client through its ordinary teardown: every end event fires once with `reason`. */
  close(reason: CloseReason, detail: string): void;
}

/**
 * Every live client of every protocol, by SRS client id (DESIGN.md "One
 * lifecycle for every client"). Iteration is in arrival order, so the API
 * lists are stable (SRS's are ordered by random id).
 */
export class ClientRegistry {
  private readonly clients = new Map<string, RegisteredClient>();
  /** Last ordinal handed out per kind: lal numbers its session ids per kind from 1 (naza unique.go). */
  private readonly ordinals = new Map<OrdinalKind, number>();

  /** 1, 2, 3 ... per protocol (relays count apart: lal's `RTMPPULL1`), never reused while the server runs. */
  nextOrdinal(kind: OrdinalKind): number {
    const next = (this.ordinals.get(kind) ?? 0) + 1;
    this.ordinals.set(kind, next);
    return next;
  }

  /** A fresh SRS client id no live client has. */
  newId(): string {
    let id = randomClientId();
    while (this.clients.has(id)) id = randomClientId();
    return id;
  }

  add(client: RegisteredClient): void {
    this.clients.set(client.id, client);
  }

  remove(client: RegisteredClient): void {
    if (this.clients.get(client.id) === client) this.clients.delete(client.id);
  }

  get(id: string): RegisteredClient | undefined {
    return this.clients.get(id);
  }

  get size(): number {
    return this.clients.size;
  }

  /** Live clients in arrival order. */
  list(): RegisteredClient[] {
    return [...this.clients.values()];
  }

  /** Closes one client by id (SRS DELETE /api/v1/clients/<id>); false when unknown. */
  kick(id: string, detail = 'kicked by operator'): boolean {
    const client = this.clients.get(id);
    if (client === undefined) return false;
    client.close('kicked', detail);
    return true;
  }

  /** Closes every client with `reason` (shutdown); each emits its end events. */
  closeAll(reason: CloseReason, detail: string): void {
    for (const client of this.list()) client.close(reason, detail);
  }
}
