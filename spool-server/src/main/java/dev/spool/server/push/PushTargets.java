package dev.spool.server.push;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.spool.api.SpoolException;

/**
 * The outbound allow list: which addresses a push target may resolve to. Isolates the one
 * security decision of push delivery, so that a producer who can create push groups cannot make
 * the server call internal addresses.
 *
 * <p>An address is <em>internal</em> when it is loopback, any-local, link-local, site-local
 * (10/8, 172.16/12, 192.168/16), carrier-grade NAT (100.64/10), IPv6 unique-local (fc00::/7) or
 * multicast. An internal address is allowed only when the target's host name or the address
 * matches an entry of the allow list (a host name, an address, or a CIDR range). Any other address
 * is allowed when {@code allowPublic} is on, or when it matches an entry. Every address a host
 * name resolves to must be allowed. The check runs when a push group is configured and again
 * before every connection, against a fresh resolution (DNS may change).
 */
public final class PushTargets {
    private final List<String> hosts = new ArrayList<>();
    private final List<byte[]> nets = new ArrayList<>();
    private final List<Integer> bits = new ArrayList<>();
    private final boolean allowPublic;

    private PushTargets(boolean allowPublic) {
        this.allowPublic = allowPublic;
    }

    /**
     * Parses the allow list.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code push-allow} for a bad entry
     */
    public static PushTargets of(List<String> allow, boolean allowPublic) {
        PushTargets t = new PushTargets(allowPublic);
        for (String raw : allow) {
            String e = raw.strip().toLowerCase(Locale.ROOT);
            int slash = e.indexOf('/');
            String addr = slash < 0 ? e : e.substring(0, slash);
            byte[] literal = literal(addr);
            if (literal == null) {
                if (slash >= 0 || !e.matches("[a-z0-9.-]{1,253}")) {
                    throw SpoolException.invalid("push-allow", "'" + raw + "' is not a host, an address or a CIDR range");
                }
                t.hosts.add(e);
                continue;
            }
            int prefix = literal.length * 8;
            if (slash >= 0) {
                try {
                    prefix = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException ex) {
                    prefix = -1;
                }
                if (prefix < 0 || prefix > literal.length * 8) {
                    throw SpoolException.invalid("push-allow", "'" + raw + "' has a bad prefix length");
                }
            }
            t.nets.add(literal);
            t.bits.add(prefix);
        }
        return t;
    }

    /** The bytes of an IPv4 or IPv6 literal, or null for a host name (never resolves). */
    static byte[] literal(String s) {
        String h = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
        boolean v4 = h.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}");
        boolean v6 = h.contains(":") && h.matches("[0-9a-fA-F:.]+");
        if (!v4 && !v6) {
            return null;
        }
        try {
            return InetAddress.getByName(h).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether {@code address}, reached through the target host {@code host}, is allowed. */
    public boolean allows(String host, InetAddress address) {
        String h = host.toLowerCase(Locale.ROOT);
        if (hosts.contains(h) || matches(address.getAddress())) {
            return true;
        }
        return allowPublic && !internal(address);
    }

    /**
     * Checks every address of a resolution.
     *
     * @throws SpoolException {@code invalid_argument} naming {@code field} if one is not allowed
     */
    public void check(String host, InetAddress[] addresses, String field) {
        for (InetAddress a : addresses) {
            if (!allows(host, a)) {
                throw SpoolException.invalid(field, "push target " + host + " resolves to " + a.getHostAddress()
                        + ", which the server's push-allow list does not allow");
            }
        }
    }

    private boolean matches(byte[] a) {
        for (int i = 0; i < nets.size(); i++) {
            byte[] n = nets.get(i);
            if (n.length == a.length && prefixEquals(n, a, bits.get(i))) {
                return true;
            }
        }
        return false;
    }

    private static boolean prefixEquals(byte[] n, byte[] a, int prefix) {
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (n[i] != a[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xFF << (8 - rest)) & 0xFF;
        return (n[full] & mask) == (a[full] & mask);
    }

    static boolean internal(InetAddress a) {
        if (a.isLoopbackAddress() || a.isAnyLocalAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return true;
        }
        byte[] b = a.getAddress();
        if (b.length == 4) {
            int b0 = b[0] & 0xFF;
            int b1 = b[1] & 0xFF;
            return b0 == 0 || b0 == 100 && b1 >= 64 && b1 < 128 || b0 == 169 && b1 == 254 || b0 >= 240;
        }
        return (b[0] & 0xFE) == 0xFC || isMappedInternal(b);
    }

    private static boolean isMappedInternal(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        if ((b[10] & 0xFF) != 0xFF || (b[11] & 0xFF) != 0xFF) {
            return false;
        }
        try {
            return internal(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
            return true;
        }
    }
}
