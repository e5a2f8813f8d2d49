/**
 * A TCP proxy that holds every chunk for a while in each direction: the round trip of a
 * laptop to an AWS region, put in front of the local stores, so that a benchmark shows what
 * concurrency buys when the stores are far away rather than on this machine's own cores.
 */
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

function delayed(from: Socket, to: Socket, ms: number): void {
  from.on('data', (chunk) => {
    // Timers of one delay fire in the order they were set: the bytes stay in order.
    setTimeout(() => to.write(chunk), ms);
  });
  from.on('end', () => setTimeout(() => to.end(), ms));
  from.on('error', () => to.destroy());
}

export interface LatencyProxy {
  readonly url: string;
  close(): Promise<void>;
}

/** Proxies `target` (http://host:port) with `oneWayMs` added each way. */
export async function startLatencyProxy(target: string, oneWayMs: number): Promise<LatencyProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    delayed(client, upstream, oneWayMs);
    delayed(upstream, client, oneWayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
