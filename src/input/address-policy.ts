// Which IP addresses a server-side fetch may connect to. Only globally routable unicast is
// allowed; everything that could reach the host itself, its network, or cloud metadata is not.
// Addresses that embed an IPv4 address (mapped, compatible, NAT64, 6to4) are unwrapped and the
// embedded address is judged instead, so ::ffff:127.0.0.1 is loopback, not "IPv6 unicast".
import ipaddr from 'ipaddr.js';

export interface AddressPolicy {
  /** Test-only: also allow 127.0.0.0/8 and ::1 (never the default). */
  readonly allowLoopback: boolean;
}

/** Why an address is refused, or undefined when it may be connected to. */
export function addressBlockReason(address: string, policy: AddressPolicy): string | undefined {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return 'not an IP address';
  }
  return parsed.kind() === 'ipv4' ? ipv4BlockReason(parsed as ipaddr.IPv4, policy) : ipv6BlockReason(parsed as ipaddr.IPv6, policy);
}

function ipv4BlockReason(address: ipaddr.IPv4, policy: AddressPolicy): string | undefined {
  const range = address.range();
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  // ipaddr's 'reserved' covers 192.0.0.0/24, TEST-NETs, 198.18.0.0/15 (benchmarking) and 240/4.
  return range === 'unicast' ? undefined : `${range} IPv4 address`;
}

function ipv6BlockReason(address: ipaddr.IPv6, policy: AddressPolicy): string | undefined {
  const embedded = embeddedIpv4(address);
  if (embedded === 'blocked') return 'IPv6 address with a local-only embedding';
  if (embedded !== undefined) {
    const reason = ipv4BlockReason(embedded, policy);
    return reason === undefined ? undefined : `${reason} embedded in IPv6`;
  }
  const range = address.range();
  if (range === 'loopback' && policy.allowLoopback) return undefined;
  if (range !== 'unicast') return `${range} IPv6 address`;
  // Global unicast is 2000::/3; anything else still labelled 'unicast' is unallocated space.
  return address.match(ipaddr.IPv6.parse('2000::'), 3) ? undefined : 'unallocated IPv6 address';
}

/**
 * The IPv4 address carried inside an IPv6 address, 'blocked' for embeddings we never follow
 * (Teredo hides its client address and is obsolete; 64:ff9b:1::/48 is site-local NAT64), or
 * undefined when nothing is embedded.
 */
function embeddedIpv4(address: ipaddr.IPv6): ipaddr.IPv4 | 'blocked' | undefined {
  const parts = address.parts;
  const lastTwo = () => ipv4FromWords(parts[6], parts[7]);
  const zeros = (from: number, to: number) => parts.slice(from, to).every((part) => part === 0);
  // ::ffff:a.b.c.d (mapped) and ::ffff:0:a.b.c.d (RFC 6145 translated)
  if (zeros(0, 5) && parts[5] === 0xffff) return lastTwo();
  if (zeros(0, 4) && parts[4] === 0xffff && parts[5] === 0) return lastTwo();
  // ::a.b.c.d (deprecated IPv4-compatible); :: and ::1 are judged as themselves.
  if (zeros(0, 6) && !(parts[6] === 0 && parts[7] <= 1)) return lastTwo();
  // 64:ff9b::/96 well-known NAT64 prefix
  if (parts[0] === 0x64 && parts[1] === 0xff9b && zeros(2, 6)) return lastTwo();
  if (parts[0] === 0x64 && parts[1] === 0xff9b && parts[2] === 1) return 'blocked';
  // 2002:AABB:CCDD::/48 6to4
  if (parts[0] === 0x2002) return ipv4FromWords(parts[1], parts[2]);
  if (parts[0] === 0x2001 && parts[1] === 0) return 'blocked';
  return undefined;
}

function ipv4FromWords(high: number, low: number): ipaddr.IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
