/**
 * Run by faults-kernel.test.ts (compiled, from dist/) under setpriv with every capability dropped,
 * as nobody, inside the test's namespace. Prints what each change did as one JSON line.
 */
import { Namespace } from '../../lib/index.js';

const ns = Namespace.current();
const report = (e: unknown) => {
  const x = e as { name?: string; code?: string; errno?: number; operation?: string; message?: string; kernelMessage?: string };
  return { name: x.name, code: x.code, errno: x.errno, operation: x.operation, message: x.message, kernelMessage: x.kernelMessage };
};
const out: Record<string, unknown> = { uid: process.getuid?.() };
try {
  out.links = (await ns.links()).map((l) => l.name).sort();
} catch (e) {
  out.links = report(e);
}
try {
  await ns.addAddress('v0', '10.77.0.9/24');
  out.addAddress = 'ok';
} catch (e) {
  out.addAddress = report(e);
}
try {
  await ns.addRoute({ dst: '10.78.0.0/24', dev: 'v0' });
  out.addRoute = 'ok';
} catch (e) {
  out.addRoute = report(e);
}
ns.close();
console.log(JSON.stringify(out));
