/**
 * Run by tcp-in-netns.test.ts (compiled, from dist/) inside a namespace whose loopback has a
 * link-local address, so that libuv's getifaddrs() in this process finds one at index 1, a device
 * the target namespace's eth0 is not. Connects from the namespace named in argv[2] to
 * fe80::a%eth0 port argv[3] (by name, then by index argv[4]) and prints one JSON line.
 */
import { Namespace } from '../../lib/index.js';

const [name = '', port = '0', index = '0'] = process.argv.slice(2);
const ns = await Namespace.open(name);
const out: Record<string, string> = {};
for (const [key, zone] of [['byName', 'eth0'], ['byIndex', index]] as const) {
  try {
    const socket = await ns.connect({ host: `fe80::a%${zone}`, port: Number(port), timeoutMs: 5000 });
    out[key] = await new Promise<string>((resolve, reject) => {
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.once('end', () => resolve(text));
      socket.once('error', reject);
    });
  } catch (error) {
    out[key] = `error: ${(error as Error).message}`;
  }
}
ns.close();
console.log(JSON.stringify(out));
