package dev.echoport.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** Keeps WARN and ERROR events so tests can assert on what was logged (leaks, summaries, no stray errors). */
public final class CapturingAppender extends AppenderBase<ILoggingEvent> {
    private static final List<ILoggingEvent> EVENTS = new CopyOnWriteArrayList<>();

    @Override
    protected void append(ILoggingEvent e) {
        if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
            e.prepareForDeferredProcessing();
            EVENTS.add(e);
        }
    }

    public static List<ILoggingEvent> events(Predicate<ILoggingEvent> filter) {
        return EVENTS.stream().filter(filter).toList();
    }

    /** Formatted messages of captured events from loggers whose name starts with {@code loggerPrefix}. */
    public static List<String> messages(String loggerPrefix, Level level) {
        return events(e -> e.getLoggerName().startsWith(loggerPrefix) && e.getLevel().equals(level)).stream()
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    public static void clear() {
        EVENTS.clear();
    }
}
