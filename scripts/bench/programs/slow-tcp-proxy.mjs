// A TCP proxy on loopback (tests and the bench) that holds every chunk, each way, for a while: a
// Redis that answers slowly. Run as its own process (the tests block their
// event loop on builds): node slow-tcp-proxy.mjs <listen port> <target port> <delay ms>
import { createConnection, createServer } from 'node:net';

const [listenPort, targetPort, delayMs] = process.argv.slice(2).map(Number);
const delayed = (to) => (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delayMs);
const server = createServer((client) => {
  const upstream = createConnection({ host: '127.0.0.1', port: targetPort });
  client.on('data', delayed(upstream));
  upstream.on('data', delayed(client));
  const close = () => setTimeout(() => (client.destroy(), upstream.destroy()), delayMs);
  client.on('close', close).on('error', close);
  upstream.on('close', close).on('error', close);
});
server.listen(listenPort, '127.0.0.1', () => process.stdout.write('ready\n'));
