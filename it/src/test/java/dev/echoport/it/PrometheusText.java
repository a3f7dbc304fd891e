package dev.echoport.it;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a Prometheus text exposition, with look-ups of samples by name and labels. */
final class PrometheusText {
    private static final Pattern SAMPLE =
            Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)(\\s+\\d+)?$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    /** One sample line. */
    record Sample(String name, Map<String, String> labels, double value) {
    }

    private final List<Sample> samples;

    private PrometheusText(List<Sample> samples) {
        this.samples = samples;
    }

    static PrometheusText parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line.strip());
            if (!m.matches()) {
                throw new IllegalArgumentException("not a Prometheus sample line: " + line);
            }
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null) {
                Matcher l = LABEL.matcher(m.group(3));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
        }
        return new PrometheusText(samples);
    }

    /**
     * The sum of the samples with this name whose labels include all of {@code labels}, as PromQL's {@code sum} over
     * the labels not given (every port of a port-labelled counter, every reason if no reason is given); fails if none.
     */
    double value(String name, Map<String, String> labels) {
        return sum(name, labels).orElseThrow(
                () -> new AssertionError("no sample " + name + labels + " in the scrape"));
    }

    double value(String name) {
        return value(name, Map.of());
    }

    /** Like {@link #value} but 0 when the series does not exist yet (a counter never incremented). */
    double valueOrZero(String name, Map<String, String> labels) {
        return sum(name, labels).orElse(0.0);
    }

    /** The labels of the first sample with this name. */
    Map<String, String> labels(String name) {
        return find(name, Map.of()).map(Sample::labels).orElseThrow(
                () -> new AssertionError("no sample " + name + " in the scrape"));
    }

    private Optional<Double> sum(String name, Map<String, String> labels) {
        List<Sample> matching = samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .toList();
        return matching.isEmpty() ? Optional.empty()
                : Optional.of(matching.stream().mapToDouble(Sample::value).sum());
    }

    private Optional<Sample> find(String name, Map<String, String> labels) {
        return samples.stream()
                .filter(s -> s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet()))
                .findFirst();
    }
}
