/**
 * Errors a user can act on (issue 18, item 6): the device named as the user knows it, context said
 * once, a stack trace that reaches the user's own code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Namespace, NetlinkError, VethPair } from '../../lib/index.js';
import { canRunIntegration } from '../helpers/sandbox.js';

const P = `it-errmsg-${process.pid}-`;

describe.skipIf(!canRunIntegration)('error messages', () => {
  let a: Namespace;
  let b: Namespace;

  beforeAll(async () => {
    a = await Namespace.create(`${P}a`);
    b = await Namespace.create(`${P}b`);
  });
  afterAll(async () => {
    await a?.delete();
    await b?.delete();
  });

  it('an error raised through a Link names the device, not its index', async () => {
    const lo = await a.link('lo');
    await lo.addAddress('10.31.0.1/24');
    const error = await lo.addAddress('10.31.0.1/24').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    expect((error as NetlinkError).code).toBe('EEXIST');
    expect((error as NetlinkError).message).toContain('RTM_NEWADDR 10.31.0.1/24 dev lo ');
    const deleted = await lo.deleteAddress('10.31.0.9/24').catch((e: unknown) => e);
    expect((deleted as Error).message).toContain('RTM_DELADDR 10.31.0.9/24 dev lo ');
  });

  it('a veth with its peer in another namespace says where each end is, once', async () => {
    await VethPair.create({ name: 'v0', namespace: a, peer: { name: 'p0', namespace: b } });
    const error = await VethPair.create({ name: 'v1', namespace: a, peer: { name: 'p0', namespace: b } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetlinkError);
    const message = (error as Error).message;
    expect(message).toContain(`v1 type veth peer p0 (peer in netns ${P}b) in netns ${P}a`);
    expect(message).not.toMatch(/in netns [^\s)]+ in netns/);
  });

  it("a kernel error's stack trace reaches the caller's own function", async () => {
    const lo = await a.link('lo');
    async function userCallSiteForTheTest(): Promise<void> {
      await lo.addAddress('10.31.0.1/24');
    }
    const error = (await userCallSiteForTheTest().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(NetlinkError);
    expect(error.stack).toContain('userCallSiteForTheTest');
    expect(error.stack!.split('\n')[0]).toBe(`NetlinkError: ${error.message}`);
    // Through a dump and through the nftables path as well.
    async function dumpCallSite(): Promise<unknown> {
      return await a.routes({ dev: 'no-such-dev0' });
    }
    const dumpError = (await dumpCallSite().catch((e: unknown) => e)) as Error;
    expect(dumpError.stack).toContain('dumpCallSite');
  });
});
