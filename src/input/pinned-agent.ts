// An undici Agent whose every socket goes to one vetted IP address. The request URL keeps the
// original host name (so Host and TLS SNI/certificate checks use it), but the TCP connection is
// opened to the address url-target.ts vetted — never to a fresh DNS answer.
import { Agent, buildConnector } from 'undici';
import type { LookupFunction } from 'node:net';
import type { VettedTarget } from './url-target.js';

/**
 * Test seam: maps a vetted address to the socket address really opened (tests point "public"
 * addresses at loopback servers so nothing leaves the machine). Vetting has already happened
 * when it is called, so it cannot widen what is allowed. Default: the vetted address itself.
 */
export type Dialer = (target: VettedTarget) => { readonly address: string; readonly port: number };

/** Net/TLS must never resolve names themselves: we always hand them an IP literal. */
const refuseLookup: LookupFunction = (hostname, _options, callback) => {
  callback(new Error(`unexpected DNS lookup for ${hostname}`), '', 4);
};

export function createPinnedAgent(target: VettedTarget, dial?: Dialer): Agent {
  const destination = dial === undefined ? { address: target.address, port: target.port } : dial(target);
  const servername = sniName(target);
  const connector = buildConnector({ lookup: refuseLookup, ...(servername === undefined ? {} : { servername }) });
  return new Agent({
    connections: 1,
    pipelining: 1,
    connect(options, callback) {
      // One agent per hop: anything but the hop's own origin is a bug, refuse it loudly.
      if (stripBrackets(options.hostname) !== target.hostname) {
        callback(new Error(`pinned agent for ${target.hostname} asked to connect to ${options.hostname}`), null);
        return;
      }
      connector({ ...options, hostname: destination.address, port: String(destination.port) }, callback);
    },
  });
}

/** SNI carries host names only; an IP-literal URL sends none. */
function sniName(target: VettedTarget): string | undefined {
  return target.hostname === target.address ? undefined : target.hostname;
}

function stripBrackets(hostname: string): string {
  return hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}
