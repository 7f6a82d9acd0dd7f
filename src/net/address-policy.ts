import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Which resolved addresses Sitrep may connect to. Only globally routable unicast is allowed: this refuses
 * loopback, RFC 1918 private, link-local (incl. cloud metadata 169.254.169.254), unique-local, multicast,
 * unspecified, carrier-grade NAT, documentation/benchmark/reserved ranges and IPv4-mapped/translated
 * forms of any of those. ipaddr.js keeps the range tables; we only decide which names are acceptable.
 */
export function addressRefusal(address: string): string | undefined {
  if (!isIP(address)) return `"${address}" is not an IP address`;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  if (range === 'unicast') return undefined;
  const names: Record<string, string> = {
    loopback: 'a loopback address',
    private: 'a private network address',
    linkLocal: 'a link-local address',
    uniqueLocal: 'a unique-local (private) address',
    multicast: 'a multicast address',
    unspecified: 'an unspecified address',
    broadcast: 'a broadcast address',
    carrierGradeNat: 'a carrier-grade NAT address',
  };
  return `${address} is ${names[range] ?? `a non-public address (${range})`}`;
}
