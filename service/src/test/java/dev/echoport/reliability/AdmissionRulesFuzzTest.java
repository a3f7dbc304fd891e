package dev.echoport.reliability;

import dev.echoport.admission.AdmissionRules;
import dev.echoport.admission.Cidr;
import dev.echoport.admission.ConnectionTracker;
import dev.echoport.admission.Decision;
import dev.echoport.admission.RejectReason;
import dev.echoport.admission.RulesPolicy;
import dev.echoport.admission.Verdict;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded fuzzing of the CIDR parser and the admission rules: no unexpected exception, and every decision and count
 * matches a model written straight from the documented rule order (deny, allow, per-IP, total).
 */
class AdmissionRulesFuzzTest {
    static final int PARSE_CASES = Reliability.ciOrHeavy(50_000, 500_000);
    static final int RULE_SETS = Reliability.ciOrHeavy(2_000, 20_000);
    static final int OPS_PER_SET = 200;
    static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 7007);

    @Test
    void cidr_parser_throws_only_its_own_error_and_matches_like_a_prefix_comparison() throws Exception {
        long seed = Reliability.SEED;
        Random r = new Random(seed);
        String alphabet = "0123456789abcdefABCDEF.:/ -%x[]";
        for (int i = 0; i < PARSE_CASES; i++) {
            String text;
            if (r.nextBoolean()) { // garbage
                StringBuilder b = new StringBuilder();
                for (int n = r.nextInt(24); n > 0; n--) {
                    b.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                text = b.toString();
            } else { // well-formed, perhaps with a prefix out of range
                byte[] addr = new byte[r.nextBoolean() ? 4 : 16];
                r.nextBytes(addr);
                int prefix = r.nextInt(addr.length * 8 + 3);
                text = InetAddress.getByAddress(addr).getHostAddress() + "/" + prefix;
            }
            Cidr cidr;
            try {
                cidr = Cidr.parse(text);
            } catch (IllegalArgumentException expected) {
                assertThat(expected.getMessage()).as("error message for \"%s\", seed %d", text, seed).isNotBlank();
                continue;
            } catch (RuntimeException e) {
                fail("Cidr.parse(\"" + text + "\") threw " + e + ", seed " + seed, e);
                return;
            }
            // A zone id ("fe80::1%eth0") is ignored by the match, so such a rule would silently cover the address on
            // every interface: the parser must refuse it rather than accept a rule broader than it reads.
            assertThat(text).as("accepted CIDR text, seed %d", seed).doesNotContain("%");
            checkMatchesModel(cidr, text, r, seed);
        }
    }

    private static void checkMatchesModel(Cidr cidr, String text, Random r, long seed) throws Exception {
        String s = text.strip();
        int slash = s.indexOf('/');
        byte[] net = InetAddress.getByName(slash < 0 ? s : s.substring(0, slash)).getAddress();
        int prefix = slash < 0 ? net.length * 8 : Integer.parseInt(s.substring(slash + 1));
        for (int k = 0; k < 8; k++) {
            byte[] peer = net.clone();
            if (k > 0) { // flip one random bit: inside the block iff the bit lies past the prefix
                int bit = r.nextInt(peer.length * 8);
                peer[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
            }
            boolean expected = samePrefix(net, peer, prefix);
            InetSocketAddress address = new InetSocketAddress(InetAddress.getByAddress(peer), 1);
            assertThat(cidr.matches(address)).as("%s matches %s, seed %d", text, address, seed).isEqualTo(expected);
        }
    }

    private static boolean samePrefix(byte[] a, byte[] b, int prefix) {
        for (int bit = 0; bit < prefix; bit++) {
            int mask = 0x80 >>> (bit % 8);
            if ((a[bit / 8] & mask) != (b[bit / 8] & mask)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void admission_decisions_and_counts_match_the_model() throws Exception {
        long seed = Reliability.SEED;
        Random r = new Random(seed);
        List<String> cidrPool = List.of("10.0.0.0/29", "10.0.0.0/30", "10.0.0.4/30", "10.0.0.1", "10.0.0.6/31",
                "10.0.0.0/8", "192.168.0.0/16", "::1/128");
        for (int set = 0; set < RULE_SETS; set++) {
            AdmissionRules rules = new AdmissionRules(r.nextInt(6), r.nextInt(4), pick(cidrPool, r),
                    pick(cidrPool, r), r.nextBoolean() ? AdmissionRules.OverLimit.REJECT
                    : AdmissionRules.OverLimit.DEFER, Duration.ofSeconds(1), AdmissionRules.RejectAction.RESET);
            RulesPolicy policy = new RulesPolicy(rules);
            ConnectionTracker tracker = new ConnectionTracker();
            Map<InetAddress, Integer> model = new HashMap<>();
            List<InetAddress> open = new ArrayList<>();
            for (int op = 0; op < OPS_PER_SET; op++) {
                String ctx = "rule set " + set + " op " + op + " " + rules + ", seed " + seed;
                if (!open.isEmpty() && r.nextInt(3) == 0) {
                    InetAddress a = open.remove(r.nextInt(open.size()));
                    tracker.release(a);
                    model.merge(a, -1, Integer::sum);
                } else {
                    InetAddress peer = InetAddress.getByName("10.0.0." + r.nextInt(8));
                    Decision actual = tracker.admit(new InetSocketAddress(peer, 40_000), LOCAL, policy);
                    Decision expected = model(rules, peer, model, open.size());
                    assertThat(actual).as(ctx + " peer " + peer).isEqualTo(expected);
                    if (actual.verdict() == Verdict.ACCEPT) {
                        open.add(peer);
                        model.merge(peer, 1, Integer::sum);
                    }
                }
                assertThat(tracker.active()).as(ctx).isEqualTo(open.size());
            }
            for (InetAddress a : open) {
                tracker.release(a);
            }
            assertThat(tracker.active()).isZero();
            assertThat(tracker.addresses()).isZero();
        }
    }

    /** The documented rule order, written out plainly. */
    private static Decision model(AdmissionRules rules, InetAddress peer, Map<InetAddress, Integer> perIp,
                                  int active) {
        InetSocketAddress p = new InetSocketAddress(peer, 40_000);
        boolean denied = rules.deny().stream().anyMatch(c -> c.matches(p));
        boolean allowed = rules.allow().isEmpty() || rules.allow().stream().anyMatch(c -> c.matches(p));
        if (denied || !allowed) {
            return Decision.reject(RejectReason.DENIED);
        }
        if (rules.maxConnectionsPerIp() > 0 && perIp.getOrDefault(peer, 0) >= rules.maxConnectionsPerIp()) {
            return Decision.reject(RejectReason.MAX_PER_IP);
        }
        if (rules.maxConnections() > 0 && active >= rules.maxConnections()) {
            return rules.overLimit() == AdmissionRules.OverLimit.DEFER ? Decision.DEFER
                    : Decision.reject(RejectReason.MAX_CONNECTIONS);
        }
        return Decision.ACCEPT;
    }

    private static List<Cidr> pick(List<String> pool, Random r) {
        List<Cidr> out = new ArrayList<>();
        if (r.nextInt(3) == 0) {
            return out; // often no list at all
        }
        for (int n = 1 + r.nextInt(2); n > 0; n--) {
            out.add(Cidr.parse(pool.get(r.nextInt(pool.size()))));
        }
        return out;
    }
}
