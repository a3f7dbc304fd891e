package dev.echoport.echo;

import dev.echoport.config.Settings;
import dev.echoport.metrics.EchoMetrics;
import dev.echoport.metrics.PortMetrics;
import dev.echoport.overload.EchoMemoryBudget;
import io.netty.channel.ChannelHandler;

/** Makes each connection's echo handler: exact echo, or line echo with a prefix when echo.prefix is set. */
public final class EchoHandlers {
    private final Settings.Echo echo;
    private final EchoMetrics metrics;
    private final boolean blockingWrites;
    private final EchoMemoryBudget budget;
    private final LineTooLongLog tooLongLog = new LineTooLongLog();

    /** @param blockingWrites the transport writes with blocking calls (OIO) */
    public EchoHandlers(Settings.Echo echo, EchoMetrics metrics, boolean blockingWrites, EchoMemoryBudget budget) {
        this.echo = echo;
        this.metrics = metrics;
        this.blockingWrites = blockingWrites;
        this.budget = budget;
    }

    /** @param meters the meters of the port the connection came in on */
    public ChannelHandler newHandler(PortMetrics meters) {
        return echo.prefixMode()
                ? new LineEchoHandler(metrics, meters, blockingWrites, echo.prefix(), echo.maxLineLength(),
                        tooLongLog, budget)
                : new EchoHandler(metrics, meters, blockingWrites, budget);
    }
}
