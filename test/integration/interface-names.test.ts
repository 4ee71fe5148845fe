import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace } from '../../lib/index.js';
import { bridgeMessage } from '../../lib/rtnl/links.js';
import { interfaceNameProblem } from '../../lib/validate.js';
import { canRunIntegration, integrationSkipReason } from '../helpers/sandbox.js';

if (integrationSkipReason !== undefined) console.log(`interface-names: ${integrationSkipReason}`);

/**
 * Our interface-name check against the kernel itself: each name is sent as it is (the check
 * bypassed) in an RTM_NEWLINK creating a bridge, and the kernel's verdict is "taken as given" only
 * when a link of exactly that name then exists. The check must accept exactly those names.
 */
type Verdict = 'as given' | 'refused' | 'renamed';

const GROUP = 7;

/** Creates a bridge for each name at once (pipelined), reads the links back once, deletes them as one group. */
async function kernelVerdicts(ns: Namespace, names: readonly string[]): Promise<Map<string, Verdict>> {
  const created = await Promise.all(
    names.map((name) => {
      const message = bridgeMessage('placeholder', { deviceGroup: GROUP });
      message.body.attrs.ifname = name;
      return ns.rtnl.createLink(message, 'bridge (name check bypassed)').then(
        () => true,
        (error: { code?: string }) => {
          if (error.code !== 'EINVAL') throw error;
          return false;
        },
      );
    }),
  );
  const present = new Set((await ns.rtnl.links()).map((l) => l.name));
  if (created.includes(true)) await ns.deleteLinkGroup(GROUP);
  return new Map(names.map((name, i) => [name, !created[i] ? 'refused' : present.has(name) ? 'as given' : 'renamed']));
}

async function kernelVerdict(ns: Namespace, name: string): Promise<Verdict> {
  return (await kernelVerdicts(ns, [name])).get(name)!;
}

/**
 * Every code point from U+0001 to U+00FF (so every byte 0x01-0x7F, and 0x80-0xBF after C2/C3), then
 * notable others. A NUL cannot be sent: the attribute encoder refuses it (a unit test covers ours).
 */
function candidateNames(): string[] {
  const names: string[] = [];
  for (let cp = 1; cp <= 0xff; cp++) names.push(`t${String.fromCodePoint(cp)}x`);
  const others = [0x0120, 0x0160, 0x0800, 0x0820, 0x1680, 0x2000, 0x2028, 0x202f, 0x205f, 0x3000, 0xfeff, 0x10000, 0x1f600];
  for (const cp of others) names.push(`t${String.fromCodePoint(cp)}x`);
  names.push('.', '..', '...', 'br%d', 'a%b', '%', 'eth0.100', 'x'.repeat(15), `${'x'.repeat(13)}à`, 'vethà', 'x\u3000y');
  return names;
}

describe.skipIf(!canRunIntegration)('interface names: our check agrees with the kernel', () => {
  let ns: Namespace;
  beforeAll(async () => {
    ns = await Namespace.create('it-ifnames');
  });
  afterAll(async () => {
    await ns?.delete();
  });

  it('accepts exactly the names the kernel takes as given (byte 0xA0, U+3000, %, dots)', async () => {
    const disagreements: string[] = [];
    let accepted = 0;
    let refused = 0;
    const verdicts = await kernelVerdicts(ns, candidateNames());
    for (const [name, kernel] of verdicts) {
      const ours = interfaceNameProblem(name) === undefined ? 'as given' : 'refused or rewritten';
      if ((kernel === 'as given') !== (ours === 'as given')) disagreements.push(`${JSON.stringify(name)}: kernel ${kernel}, we ${ours}`);
      if (kernel === 'as given') accepted++;
      else refused++;
    }
    expect(disagreements).toEqual([]);
    // Both verdicts occur, so the comparison above is not vacuous.
    expect(accepted).toBeGreaterThan(200);
    expect(refused).toBeGreaterThan(10);
  });

  it('the cases of the issue: vethà refused (its byte 0xA0), x\\u3000y taken, br%d refused', async () => {
    expect(await kernelVerdict(ns, 'vethà')).toBe('refused');
    expect(interfaceNameProblem('vethà')).toMatch(/byte 0xa0/);
    expect(await kernelVerdict(ns, 'x\u3000y')).toBe('as given');
    expect(interfaceNameProblem('x\u3000y')).toBeUndefined();
    expect(await kernelVerdict(ns, 'br%d')).toBe('renamed');
    expect(interfaceNameProblem('br%d')).toMatch(/'%'/);
  });
});
