import { TC_H_INGRESS, TC_H_ROOT } from '../../messages/tc/header.js';
import { isIntegerIn } from '../../messages/checks.js';
import { InvalidArgumentError } from '../validate.js';

// The words tc uses for handles and rates, both ways.

/** A qdisc or class handle as tc writes it ('1:', 'ffff:', '1:10'), 'root', 'ingress', or the number. */
export type HandleRef = string | number;

/** 'root' -> TC_H_ROOT, 'ingress' -> TC_H_INGRESS, '1:' -> 0x10000, '1:a' -> 0x1000a (hex, as tc). */
export function parseHandle(value: HandleRef, field: string): number {
  if (typeof value === 'number') {
    if (isIntegerIn(value, 0, 0xffffffff)) return value;
    throw new InvalidArgumentError(field, value, 'is not a handle: a whole number from 0 to 4294967295, or text like "1:" or "1:10"');
  }
  if (value === 'root') return TC_H_ROOT;
  if (value === 'ingress') return TC_H_INGRESS;
  const m = typeof value === 'string' ? /^([0-9a-f]{1,4})?:([0-9a-f]{1,4})?$/i.exec(value) : null;
  if (!m) throw new InvalidArgumentError(field, value, "is not a handle like '1:', '1:10', 'root' or 'ingress' (major:minor in hex, as tc)");
  return ((parseInt(m[1] ?? '0', 16) << 16) | parseInt(m[2] ?? '0', 16)) >>> 0;
}

/** The inverse of parseHandle: 'root', 'ingress', '1:', '1:10'. */
export function formatHandle(handle: number): string {
  if (handle === TC_H_ROOT) return 'root';
  if (handle === TC_H_INGRESS) return 'ingress';
  const minor = handle & 0xffff;
  return `${(handle >>> 16).toString(16)}:${minor ? minor.toString(16) : ''}`;
}

const RATE_UNITS: Readonly<Record<string, number>> = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9, tbit: 1e12, bps: 8, kbps: 8e3, mbps: 8e6, gbps: 8e9 };

/**
 * A rate in bits per second: a positive number, or text as tc takes it ('10mbit', '1.5gbit',
 * '500kbit'; 'mbps' is megabytes per second). At least 8 bits per second (one byte).
 */
export function parseRate(value: unknown, field: string): number {
  let bits: number | undefined;
  if (typeof value === 'number') bits = value;
  else if (typeof value === 'string') {
    const m = /^(\d+(?:\.\d+)?)\s*([a-z]+)$/i.exec(value.trim());
    const unit = m ? RATE_UNITS[m[2]!.toLowerCase()] : undefined;
    if (m && unit !== undefined) bits = Number(m[1]) * unit;
  }
  if (bits === undefined || !Number.isFinite(bits)) {
    throw new InvalidArgumentError(field, value, "is not a rate: a number of bits per second, or text like '10mbit' or '1gbit'");
  }
  if (bits < 8) throw new InvalidArgumentError(field, value, 'is below one byte per second: a rate must be at least 8 bits per second');
  if (bits / 8 >= 2 ** 64) throw new InvalidArgumentError(field, value, 'is more bytes per second than the kernel can hold (2^64 - 1)');
  return Math.round(bits);
}
