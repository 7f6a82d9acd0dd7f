import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which resolved addresses Sitrep may connect to. Only globally routable unicast is allowed: this refuses
 * loopback, RFC 1918 private, link-local (incl. cloud metadata 169.254.169.254), unique-local, multicast,
 * unspecified, carrier-grade NAT, documentation/benchmark/reserved ranges. An IPv6 address that embeds an
 * IPv4 one (mapped, compatible, translated, 6to4, NAT64, Teredo) is judged by the embedded address, since
 * that is where the packets end up. ipaddr.js keeps the range tables; we only decide which are acceptable.
 */
export function addressRefusal(address: string): string | undefined {
  if (!isIP(address)) return `"${address}" is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const v6 = parsed as ipaddr.IPv6;
    const embedded = embeddedIPv4(v6);
    if (embedded) {
      for (const { v4, role } of embedded) {
        const refusal = rangeRefusal(v4);
        if (refusal) return `${address} ${role} ${v4.toString()}, which is ${refusal}`;
      }
      return undefined;
    }
  }
  const refusal = rangeRefusal(parsed);
  return refusal ? `${address} is ${refusal}` : undefined;
}

function rangeRefusal(parsed: ipaddr.IPv4 | ipaddr.IPv6): string | undefined {
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  return RANGE_NAMES[range] ?? `a non-public address (${range})`;
}

const RANGE_NAMES: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private network address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a unique-local (private) address',
  multicast: 'a multicast address',
  unspecified: 'an unspecified address',
  broadcast: 'a broadcast address',
  carrierGradeNat: 'a carrier-grade NAT address',
};

type Embedded = Array<{ v4: ipaddr.IPv4; role: string }>;

/**
 * The IPv4 address(es) an IPv6 address carries, by transition range. ipaddr.js names the ranges but only
 * unwraps the mapped form, so the bit layouts (RFC 4291, 6145, 3056, 6052/8215, 4380) are read here.
 * Returns undefined for a plain IPv6 address.
 */
function embeddedIPv4(v6: ipaddr.IPv6): Embedded | undefined {
  const p = v6.parts; // eight 16-bit groups
  const v4 = (hi: number, lo: number) => new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zero = (from: number, to: number) => p.slice(from, to).every((x) => x === 0);
  // ::ffff:a.b.c.d (mapped, RFC 4291) and ::ffff:0:a.b.c.d (translated, RFC 6145).
  if (zero(0, 5) && p[5] === 0xffff) return [{ v4: v4(p[6]!, p[7]!), role: 'maps to' }];
  if (zero(0, 4) && p[4] === 0xffff && p[5] === 0) return [{ v4: v4(p[6]!, p[7]!), role: 'translates to' }];
  // ::a.b.c.d (IPv4-compatible, deprecated but still routed by some stacks). :: and ::1 are not IPv4.
  if (zero(0, 6) && (p[6] !== 0 || p[7]! > 1)) return [{ v4: v4(p[6]!, p[7]!), role: 'is the IPv4-compatible form of' }];
  // 2002:AABB:CCDD::/48 — 6to4 (RFC 3056): the relay sends to the IPv4 address in bits 16–47.
  if (p[0] === 0x2002) return [{ v4: v4(p[1]!, p[2]!), role: 'is 6to4 for' }];
  // 64:ff9b::/96 (well-known NAT64 prefix, RFC 6052) and 64:ff9b:1::/48 (local-use, RFC 8215): the
  // translator connects to the IPv4 address in the last 32 bits (the /96 layout both prefixes use).
  if (p[0] === 0x64 && p[1] === 0xff9b && (zero(2, 6) || p[2] === 1)) return [{ v4: v4(p[6]!, p[7]!), role: 'is NAT64 for' }];
  // 2001:0000::/32 — Teredo (RFC 4380): server IPv4 in bits 32–63, client IPv4 in the last 32 bits, inverted.
  if (p[0] === 0x2001 && p[1] === 0) {
    return [
      { v4: v4(p[6]! ^ 0xffff, p[7]! ^ 0xffff), role: 'is Teredo for client' },
      { v4: v4(p[2]!, p[3]!), role: 'is Teredo via server' },
    ];
  }
  return undefined;
}
