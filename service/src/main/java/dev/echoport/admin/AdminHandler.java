package dev.echoport.admin;

import dev.echoport.metrics.AdminMetrics.CloseCause;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Routes the admin endpoints: {@code GET /metrics} (Prometheus text, or OpenMetrics when the {@code Accept} header asks
 * for it), {@code GET /health/live}, {@code GET /health/ready}. Unknown paths answer 404, other methods 405, requests
 * the decoder could not read 400 (431 for oversized headers, 414 for an oversized request line). Health answers are
 * made here, on the event loop, in microseconds; {@code /metrics} is rendered by the {@link MetricsRenderer} and
 * written when it is ready. Each answer is handed to the connection's {@link AdminExchange}, which reads the next
 * request only once it is written.
 *
 * <p>Stateless: {@code @Sharable}.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final MetricsRenderer renderer;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final BooleanSupplier ready;
    private final Supplier<String> state;

    AdminHandler(MetricsRenderer renderer, BooleanSupplier ready, Supplier<String> state) {
        this.renderer = renderer;
        this.ready = ready;
        this.state = state;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        AdminExchange exchange = AdminExchange.of(ctx);
        exchange.requestArrived();
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            log.debug("bad admin request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            send(ctx, exchange, text(status, status.reasonPhrase() + "\n"), false, CloseCause.BAD_REQUEST);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        boolean head = req.method().equals(HttpMethod.HEAD);
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        if (!head && !req.method().equals(HttpMethod.GET)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, exchange, r, keepAlive, CloseCause.CLIENT);
            return;
        }
        if (path.equals("/metrics")) {
            // The request is released when this method returns: take what the answer needs now.
            String contentType = formats.findWriter(req.headers().get(HttpHeaderNames.ACCEPT)).getContentType();
            renderer.render(contentType).whenComplete((body, failure) -> ctx.executor().execute(() -> {
                FullHttpResponse r;
                if (failure == null) {
                    r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                            Unpooled.wrappedBuffer(body)); // shared by every scrape of this render, never copied
                    r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
                } else {
                    log.warn("scrape failed: {}", failure.toString());
                    r = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n");
                }
                send(ctx, exchange, head ? withoutBody(r) : r, keepAlive, CloseCause.CLIENT);
            }));
            return;
        }
        FullHttpResponse response = switch (path) {
            case "/health/live" -> text(HttpResponseStatus.OK, "live\n");
            case "/health/ready" -> ready.getAsBoolean()
                    ? text(HttpResponseStatus.OK, "ready\n")
                    : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + state.get() + "\n");
            default -> text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /health/live, /health/ready\n");
        };
        send(ctx, exchange, head ? withoutBody(response) : response, keepAlive, CloseCause.CLIENT);
    }

    /** HEAD announces the length GET would send, without the body. */
    private static FullHttpResponse withoutBody(FullHttpResponse r) {
        HttpUtil.setContentLength(r, r.content().readableBytes());
        r.content().clear();
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT);
        return r;
    }

    /**
     * Writes the answer; a kept-alive connection then reads its next request, any other is closed for
     * {@code closeCause} once the answer is out.
     */
    private static void send(ChannelHandlerContext ctx, AdminExchange exchange, FullHttpResponse r, boolean keepAlive,
                             CloseCause closeCause) {
        if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(r, r.content().readableBytes());
        }
        exchange.answerWritten();
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r).addListener(f -> {
                if (f.isSuccess()) {
                    exchange.answered();
                } else {
                    exchange.close(CloseCause.CLIENT); // the write failed: the client has gone
                }
            });
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            exchange.closeAfter(ctx.writeAndFlush(r), closeCause);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        AdminExchange.of(ctx).readCycleComplete();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        CloseCause why;
        if (cause instanceof TooLongFrameException) {
            log.debug("admin request too large from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            why = CloseCause.BAD_REQUEST;
        } else if (cause instanceof IOException) {
            log.debug("admin connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            why = CloseCause.CLIENT; // reset by the peer
        } else {
            log.warn("admin connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
            why = CloseCause.ERROR;
        }
        AdminExchange.of(ctx).close(why);
    }
}
