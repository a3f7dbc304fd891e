package dev.echoport.admission;

import io.netty.handler.ipfilter.IpFilterRuleType;
import io.netty.handler.ipfilter.IpSubnetFilterRule;
import io.netty.util.NetUtil;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * An IPv4 or IPv6 block written as {@code address/prefix} (or a bare address, meaning one host), matched with Netty's
 * {@link IpSubnetFilterRule}.
 */
public final class Cidr {
    private final String text;
    private final IpSubnetFilterRule rule;

    private Cidr(String text, IpSubnetFilterRule rule) {
        this.text = text;
        this.rule = rule;
    }

    /**
     * Parses {@code 10.0.0.0/8}, {@code 2001:db8::/32}, {@code 127.0.0.1}. Host names are refused: a rule must never
     * depend on a DNS lookup.
     *
     * @throws IllegalArgumentException with a message that says what is wrong with {@code text}
     */
    public static Cidr parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String addressPart = slash < 0 ? s : s.substring(0, slash);
        if (addressPart.indexOf('%') >= 0) { // Netty's parser drops a zone id; the rule would match on every interface
            throw new IllegalArgumentException("zone id not allowed in an address block: \"" + addressPart + "\"");
        }
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(addressPart);
        if (bytes == null || addressPart.isEmpty()) {
            throw new IllegalArgumentException("not an IP address literal: \"" + addressPart + "\"");
        }
        int maxPrefix = bytes.length * 8;
        int prefix = maxPrefix;
        if (slash >= 0) {
            String p = s.substring(slash + 1);
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)) {
                throw new IllegalArgumentException(
                        "prefix length \"" + p + "\" is not a number from 0 to " + maxPrefix);
            }
            prefix = Integer.parseInt(p);
            if (prefix > maxPrefix) {
                throw new IllegalArgumentException("prefix length " + prefix + " exceeds " + maxPrefix);
            }
        }
        InetAddress address;
        try {
            address = InetAddress.getByAddress(bytes); // literal bytes: no lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address literal: \"" + addressPart + "\"", e);
        }
        return new Cidr(s, new IpSubnetFilterRule(address, prefix, IpFilterRuleType.ACCEPT));
    }

    /** Whether {@code address} is inside this block; an IPv4-mapped IPv6 address is matched as IPv4. */
    public boolean matches(InetSocketAddress address) {
        return rule.matches(Addresses.canonical(address));
    }

    @Override
    public String toString() {
        return text;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Cidr c && c.text.equals(text);
    }

    @Override
    public int hashCode() {
        return text.hashCode();
    }
}
