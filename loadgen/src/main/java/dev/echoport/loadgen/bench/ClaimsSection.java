package dev.echoport.loadgen.bench;

import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/** "The Winsock textbooks' claims, measured": what this run says about each claim, with a verdict. */
final class ClaimsSection {
    private final BenchResults r;
    private final Md md;
    private final RatioSections ratios;

    ClaimsSection(BenchResults r, Md md, RatioSections ratios) {
        this.r = r;
        this.md = md;
        this.ratios = ratios;
    }

    void write() {
        md.line("## The Winsock textbooks' claims, measured");
        md.line("");
        Optional<Scenario> many = ratios.manyConnections();
        String manyName = many.map(Scenario::name).orElse("many connections");
        threadPerConnection(many, manyName);
        select(many, manyName);
        completionPorts(many, manyName);
    }

    private void threadPerConnection(Optional<Scenario> many, String manyName) {
        md.line("**1. \"Thread per connection wastes resources.\"**");
        Optional<BenchResults.IdleRow> oio = r.idle("echoport oio");
        Optional<BenchResults.IdleRow> epoll = r.idle("echoport epoll");
        if (oio.isPresent() && epoll.isPresent()) {
            BenchResults.IdleRow o = oio.get();
            BenchResults.IdleRow e = epoll.get();
            md.line("Idle, oio used %.2f threads and %s of RSS per connection (%s of heap); epoll %.3f threads and %s"
                            + " RSS (%s heap): %s the memory per connection.",
                    o.threadsPerConnection(), Md.bytes(o.rssPerConnectionBytes()),
                    Md.bytes(o.heapPerConnectionBytes()), e.threadsPerConnection(), Md.bytes(e.rssPerConnectionBytes()),
                    Md.bytes(e.heapPerConnectionBytes()), Md.times(o.rssPerConnectionBytes(),
                            e.rssPerConnectionBytes()));
        }
        OptionalDouble oioMany = rate("echoport oio", "echoport epoll", many);
        if (oioMany.isPresent()) {
            md.line("Under load (%s) oio served %.2fx epoll's round trips/s at %.2fx its CPU per round trip.",
                    manyName, oioMany.getAsDouble(), cpu("echoport oio", "echoport epoll", many).orElse(Double.NaN));
        }
        OptionalDouble oioOne = rate("echoport oio", "echoport epoll", single());
        if (oio.isPresent() && epoll.isPresent()) {
            boolean waste = oio.get().threadsPerConnection() >= 0.9
                    && oio.get().rssPerConnectionBytes() >= 2 * epoll.get().rssPerConnectionBytes();
            md.line("Verdict: **%s** for memory and threads%s%s", waste ? "confirmed" : "not confirmed",
                    oioMany.isPresent() ? String.format(Locale.ROOT, ", %s for throughput with many connections"
                            + " (%.2fx)", verdict(oioMany.getAsDouble(), false), oioMany.getAsDouble()) : "",
                    oioOne.isPresent() ? String.format(Locale.ROOT, "; with a single connection a dedicated"
                            + " blocking thread was %s (%.2fx epoll).", oioOne.getAsDouble() >= 0.85
                            ? "no worse" : "slower too", oioOne.getAsDouble()) : ".");
        }
        md.line("");
    }

    private void select(Optional<Scenario> many, String manyName) {
        md.line("**2. \"select is the least efficient model.\"** Java's `nio` selector is the `select`/`WSAEventSelect`"
                + " model, but on Linux the JDK implements it with epoll, so it does not pay select(2)'s O(n) scan.");
        OptionalDouble ne = rate("echoport nio", "echoport epoll", many);
        OptionalDouble no = rate("echoport nio", "echoport oio", many);
        if (ne.isPresent()) {
            md.line("On %s nio served %.2fx epoll's round trips/s (%.2fx its CPU per round trip)%s.", manyName,
                    ne.getAsDouble(), cpu("echoport nio", "echoport epoll", many).orElse(Double.NaN),
                    no.isPresent() ? String.format(Locale.ROOT, " and %.2fx oio's", no.getAsDouble()) : "");
            boolean nioLeast = ne.getAsDouble() < 0.85 && (no.isEmpty() || no.getAsDouble() < 1);
            md.line("Verdict: **%s**: %s", nioLeast ? "confirmed" : "not borne out here", nioLeast
                    ? "the selector model was the slowest measured."
                    : "the JDK selector is " + verdict(ne.getAsDouble(), true) + " native epoll, and the least"
                    + " efficient model measured was thread-per-connection"
                    + (no.isPresent() ? String.format(Locale.ROOT, " (nio %.2fx oio)", no.getAsDouble()) : "") + ".");
        }
        md.line("");
    }

    private void completionPorts(Optional<Scenario> many, String manyName) {
        md.line("**3. \"Completion ports with one or two worker threads serve thousands of connections best.\"**"
                + " io_uring is Linux's completion model; echoport runs it, like every transport, with 2 x cores"
                + " event loops (here %d), each owning its connections.", 2 * r.machine().cores());
        OptionalDouble q = rate("echoport io_uring", "echoport epoll", many);
        if (q.isPresent()) {
            md.line("On %s io_uring served %.2fx epoll's round trips/s at %.2fx its CPU per round trip.", manyName,
                    q.getAsDouble(), cpu("echoport io_uring", "echoport epoll", many).orElse(Double.NaN));
            md.line("Verdict: **%s**: completion was %s readiness with thousands of connections on few threads,"
                            + " and both served them with a handful of threads where oio needed one each.",
                    q.getAsDouble() >= 1.15 ? "confirmed" : q.getAsDouble() >= 0.85 ? "a tie here" : "not confirmed",
                    verdict(q.getAsDouble(), true));
        }
        r.idle("echoport io_uring").ifPresent(u -> md.line("Idle, io_uring held %,d connections with %d threads in"
                + " all (%s heap per connection).", u.opened(), u.threadsAfter(),
                Md.bytes(u.heapPerConnectionBytes())));
        md.line("");
    }

    private OptionalDouble rate(String a, String b, Optional<Scenario> s) {
        return s.flatMap(x -> ratios.ratio(a, b, x, true)).map(x -> OptionalDouble.of(x.median()))
                .orElse(OptionalDouble.empty());
    }

    private OptionalDouble cpu(String a, String b, Optional<Scenario> s) {
        return s.flatMap(x -> ratios.ratio(a, b, x, false)).map(x -> OptionalDouble.of(x.median()))
                .orElse(OptionalDouble.empty());
    }

    private Optional<Scenario> single() {
        return r.config().scenarios().stream().filter(s -> !s.idle() && s.connections() == 1).findFirst();
    }

    /** How a ratio reads on a machine this noisy: within 0.85-1.15x is a tie. */
    private static String verdict(double ratio, boolean comparative) {
        if (ratio >= 1.15) {
            return comparative ? String.format(Locale.ROOT, "ahead of (%.2fx)", ratio) : "not confirmed";
        }
        if (ratio >= 0.85) {
            return comparative ? String.format(Locale.ROOT, "level with (%.2fx)", ratio) : "a tie";
        }
        return comparative ? String.format(Locale.ROOT, "behind (%.2fx)", ratio) : "confirmed";
    }
}
