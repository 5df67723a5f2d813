// DNS rebinding guard for the dev servers. A page on evil.example can point
// its own name at 127.0.0.1 and then read everything a local server serves;
// what gives it away is the Host header, which still says evil.example. So a
// server bound to loopback answers only requests addressed to a loopback name.

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True when `hostHeader` names this server: the host it bound, or (for a
 * loopback bind) any loopback name, with its port. A server bound to every
 * interface (0.0.0.0, ::) was opened to the network on purpose: not checked.
 * @param {string | undefined} hostHeader
 * @param {string} boundHost
 * @param {number} port
 */
export function isAllowedHost(hostHeader, boundHost, port) {
  if (boundHost === '0.0.0.0' || boundHost === '::') return true;
  if (!hostHeader) return false;
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostHeader.trim().toLowerCase());
  if (!match) return false;
  const [, name, portText] = match;
  if ((portText === undefined ? 80 : Number(portText)) !== port) return false;
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost.toLowerCase();
  if (name === bound) return true;
  return LOOPBACK_NAMES.has(bound) && LOOPBACK_NAMES.has(name);
}
