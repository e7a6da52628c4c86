/**
 * Whether an address can be printed for the public: a poster's QR code must
 * lead a phone on the street to the tip line, so a loopback, private,
 * link-local or local-only host name (what an administrator trying homthu on
 * their own machine uses) is refused.
 */
import net from "node:net";

const LOCAL_SUFFIXES = [".localhost", ".local", ".internal", ".lan", ".home", ".home.arpa", ".localdomain", ".test", ".invalid", ".example"];

const privateRanges = new net.BlockList();
for (const [network, prefix] of [["0.0.0.0", 8], ["10.0.0.0", 8], ["100.64.0.0", 10], ["127.0.0.0", 8], ["169.254.0.0", 16], ["172.16.0.0", 12], ["192.168.0.0", 16], ["198.18.0.0", 15]] as const)
  privateRanges.addSubnet(network, prefix, "ipv4");
for (const [network, prefix] of [["::", 127], ["fc00::", 7], ["fe80::", 10]] as const) privateRanges.addSubnet(network, prefix, "ipv6");

/** True when `host` (a URL's hostname, IPv6 with or without brackets) is not reachable from the public internet. */
export function isPrivateHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (h === "" || h === "localhost" || !h.includes(".") && !net.isIP(h)) return true;
  if (LOCAL_SUFFIXES.some((s) => h.endsWith(s))) return true;
  const kind = net.isIP(h);
  if (kind === 4) return privateRanges.check(h, "ipv4");
  if (kind === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped ? privateRanges.check(mapped[1]!, "ipv4") : privateRanges.check(h, "ipv6");
  }
  return false;
}

/** True when `url` is an http(s) address the public can reach. */
export function isPublicUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const u = new URL(url);
    return (u.protocol === "https:" || u.protocol === "http:") && !isPrivateHost(u.hostname);
  } catch {
    return false;
  }
}
