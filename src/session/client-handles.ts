import type { ClientHandle } from '../hooks/handlers/types.js';
import type { ClientRegistry, RegisteredClient } from './client-registry.js';

/**
 * The registry's clients as embedders see them (`server.clients()`,
 * `server.getClient(id)`): a snapshot of the facts now, and a `disconnect`
 * that closes with reason `kicked` in a microtask, so it is safe anywhere
 * (inside a handler, a timer) and a second call does nothing.
 */
export function clientHandle(client: RegisteredClient): ClientHandle {
  const { facts } = client;
  let disconnected = false;
  return {
    id: client.id,
    protocol: client.protocol,
    ip: facts.ip,
    port: facts.port,
    type: client.type,
    vhost: facts.vhost,
    app: facts.app,
    stream: facts.stream,
    activity: client.current?.kind,
    startedAtMs: client.startedAtMs,
    disconnect(reason?: string): void {
      if (disconnected) return;
      disconnected = true;
      queueMicrotask(() => client.close('kicked', reason ?? 'disconnected by the embedding application'));
    },
  };
}

/** Every live client, in arrival order. */
export function clientHandles(registry: ClientRegistry): ClientHandle[] {
  return registry.list().map(clientHandle);
}
