/** The addresses a trusted-header proxy may connect from, as CIDR blocks (node's BlockList). */
import { BlockList, isIP } from 'node:net';

export class TrustedProxies {
  private readonly blocks = new BlockList();

  /** Throws RangeError for text that is not an address or an address/prefix. */
  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const { address, prefix, family } = parseCidr(cidr);
      this.blocks.addSubnet(address, prefix, family);
    }
  }

  includes(address: string | undefined): boolean {
    if (address === undefined) return false;
    const plain = unmapped(address);
    const family = isIP(plain);
    if (family === 0) return false;
    return this.blocks.check(plain, family === 4 ? 'ipv4' : 'ipv6');
  }
}

/** "::ffff:10.0.0.1", as a dual-stack socket reports an IPv4 peer, is 10.0.0.1. */
function unmapped(address: string): string {
  const match = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return match === null ? address : (match[1] as string);
}

export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const version = isIP(address);
  if (version === 0) throw new RangeError(`"${text}" is not an IP address or CIDR block (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)`);
  const longest = version === 4 ? 32 : 128;
  let prefix = longest;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (!(prefix >= 0 && prefix <= longest)) throw new RangeError(`"${text}": the prefix length must be an integer from 0 to ${longest}`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}
