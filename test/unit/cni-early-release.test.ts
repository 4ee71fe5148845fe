/**
 * Which DELs the cni-bridge executable's first stage finishes without the engine
 * (lib/cni/early-release.ts): only those with nothing but the interface and the IPAM reservation
 * to undo.
 */
import { describe, expect, it } from 'vitest';
import { parseBridgeConfig } from '../../lib/cni/config.js';
import { usesNatOrTc } from '../../lib/cni/early-release.js';

const ipam = { type: 'host-local', subnet: '10.1.0.0/24' };
const needs = (extra: Record<string, unknown>) => usesNatOrTc(parseBridgeConfig(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'cni-bridge', ...extra })));

describe('usesNatOrTc', () => {
  it('leaves the interface and the reservation to the first stage', () => {
    expect(needs({ ipam })).toBe(false);
    expect(needs({})).toBe(false);
    expect(needs({ ipam, isGateway: true, hairpinMode: true, runtimeConfig: { mac: '02:00:00:00:00:01' } })).toBe(false);
  });

  it('gives the engine NAT rules (ipMasq with IPAM), published ports and bandwidth limits', () => {
    expect(needs({ ipam, ipMasq: true })).toBe(true);
    // Without IPAM there is no address to masquerade: the engine removes no NAT rule then either.
    expect(needs({ ipMasq: true })).toBe(false);
    expect(needs({ ipam, runtimeConfig: { portMappings: [{ hostPort: 80, containerPort: 80 }] } })).toBe(true);
    expect(needs({ ipam, runtimeConfig: { bandwidth: { ingressRate: 8000, ingressBurst: 8000 } } })).toBe(true);
    expect(needs({ ipam, egressRate: 8000, egressBurst: 8000 })).toBe(true);
  });

  it('gives the engine capabilities it refuses, so that it reports them as ever', () => {
    expect(needs({ ipam, runtimeConfig: { portMappings: 'no' } })).toBe(true);
    expect(needs({ ipam, runtimeConfig: { bandwidth: { ingressRate: 8000 } } })).toBe(true);
  });
});
