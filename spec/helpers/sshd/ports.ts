/** Loopback ports: a port free on every address of a fleet, and the probe that waits for sshd's banner. */
import * as net from 'node:net';

export const listenOn = (host: string, port: number): Promise<net.Server> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => {
      resolve(server);
    });
  });

export const closeServer = (server: net.Server): Promise<void> =>
  new Promise((resolve) => {
    server.close(() => {
      resolve();
    });
  });

/** A port that is free on every address (bound then released: another process may still take it). */
export const freePort = async (addresses: readonly string[]): Promise<number> => {
  const [first = '127.0.0.2', ...rest] = addresses;
  for (let attempt = 0; attempt < 50; attempt++) {
    const servers = [await listenOn(first, 0)];
    const port = (servers[0]?.address() as net.AddressInfo).port;
    let free = true;
    try {
      for (const address of rest) servers.push(await listenOn(address, port));
    } catch {
      free = false;
    } finally {
      await Promise.all(servers.map(closeServer));
    }
    if (free) return port;
  }
  throw new Error(`sshd harness: no port free on all of ${addresses.join(', ')}`);
};

/**
 * Resolves true when `host:port` sends an SSH banner; false on refusal, timeout or another answer (such as
 * "Exceeded MaxStartups"). It answers with a client banner before closing, so that sshd logs nothing.
 */
export const probeBanner = (host: string, port: number, timeoutMs = 2000): Promise<boolean> =>
  new Promise((resolve) => {
    let received = '';
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.removeAllListeners('data');
      if (ok) socket.end('SSH-2.0-rxjobs_harness_probe\r\n');
      else socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => {
      done(false);
    });
    socket.on('error', () => {
      done(false);
    });
    socket.on('close', () => {
      resolve(false);
    });
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      if (!received.includes('\n')) return;
      done(received.split('\n').some((line) => line.startsWith('SSH-')));
    });
  });
