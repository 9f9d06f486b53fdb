/** Picks a free TCP port on 127.0.0.1 for a child process to listen on. */
import { createServer, type AddressInfo } from 'node:net';

/** Asks the kernel for an unused port, then releases it for the child to bind. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
