package dev.echoport.loadgen.bench;

import java.util.Locale;

/** A Markdown text being written, and the number formats every section of benchmarks.md shares. */
final class Md {
    private final StringBuilder text = new StringBuilder();

    void line(String format, Object... args) {
        text.append(String.format(Locale.ROOT, format, args)).append('\n');
    }

    void raw(String s) {
        text.append(s);
    }

    @Override
    public String toString() {
        return text.toString();
    }

    static String count(double d) {
        return String.format(Locale.ROOT, "%,.0f", d);
    }

    static String micros(long us) {
        return String.format(Locale.ROOT, "%,d", us);
    }

    static String bytes(double b) {
        return Math.abs(b) >= 10 * 1024 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024)
                : String.format(Locale.ROOT, "%,.0f B", b);
    }

    static String secs(long millis) {
        return String.format(Locale.ROOT, "%.1f", millis / 1000.0);
    }

    static String mark(boolean ok) {
        return ok ? "**met**" : "**missed**";
    }

    static String times(double a, double b) {
        return b <= 0 ? "n/a" : String.format(Locale.ROOT, "%.1fx", a / b);
    }
}
