import { lookup, promises as dns, type LookupAddress, type LookupOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where webhooks may not go (SSRF): private, loopback, link-local (cloud metadata services live at
 * 169.254.169.254 and fd00:ec2::254), carrier-grade NAT, multicast and reserved addresses, IPv4 and IPv6
 * (IPv4-mapped IPv6 addresses are checked as the IPv4 address they carry). The operator may allow them
 * (HOOK_ALLOW_PRIVATE_URLS, config.ts), e.g. for receivers on the same network.
 */
const blocked = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(network, prefix, 'ipv6');
}

export const PRIVATE_TARGET = 'must not point to a private, loopback, link-local or metadata address';

/** True for an address webhooks may not reach (and for anything that is not an IP address). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  return blocked.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A URL's host as an IP address or a name (`[::1]` → `::1`). */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** The longest a registration waits for DNS; a name not resolved by then counts as not resolving. */
const LOOKUP_TIMEOUT_MS = 3_000;

/**
 * Why a hook URL may not be registered, or undefined: its host is, or resolves to, an address webhooks
 * may not reach. A name that does not resolve now (or not within LOOKUP_TIMEOUT_MS) is accepted: DNS
 * changes, and every delivery checks the address it connects to again (publicLookup).
 */
export async function hookTargetProblem(url: string): Promise<string | undefined> {
  const host = hostOf(new URL(url));
  if (isIP(host)) return isPrivateAddress(host) ? PRIVATE_TARGET : undefined;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LookupAddress[]>((resolve) => {
    timer = setTimeout(() => resolve([]), LOOKUP_TIMEOUT_MS);
  });
  try {
    const addresses = await Promise.race([dns.lookup(host, { all: true, verbatim: true }), timeout]);
    return addresses.some((a) => isPrivateAddress(a.address)) ? PRIVATE_TARGET : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/** A delivery refused because its host is, or resolved to, an address webhooks may not reach. */
export class PrivateTargetError extends Error {
  constructor() {
    super(`refused: the host ${PRIVATE_TARGET.replace('must not point', 'points')}`);
    this.name = 'PrivateTargetError';
  }
}

/** True when a delivery to `url` is refused before connecting: its host is such an IP address. */
export const isPrivateLiteral = (url: URL) => isIP(hostOf(url)) !== 0 && isPrivateAddress(hostOf(url));

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * `lookup` for the delivery's socket: the address checked is the one connected to, so a name that
 * resolved to a public address when the hook was registered and now resolves to a private one (DNS
 * rebinding) is refused at connection time, with no gap between the check and the connection.
 */
export function publicLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  lookup(hostname, { ...options, verbatim: true }, (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
    if (error) return callback(error, address, family);
    const addresses = Array.isArray(address) ? address.map((a) => a.address) : [address];
    if (addresses.some(isPrivateAddress)) return callback(new PrivateTargetError(), address, family);
    callback(null, address, family);
  });
}
