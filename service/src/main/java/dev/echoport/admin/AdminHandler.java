package dev.echoport.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
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
 * the decoder could not read 400 (431 for oversized headers, 414 for an oversized request line).
 *
 * <p>Stateless: {@code @Sharable}.
 */
@ChannelHandler.Sharable
final class AdminHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String TEXT = "text/plain; charset=utf-8";

    private final PrometheusMeterRegistry registry;
    private final ExpositionFormats formats = ExpositionFormats.init();
    private final BooleanSupplier ready;
    private final Supplier<String> state;

    AdminHandler(PrometheusMeterRegistry registry, BooleanSupplier ready, Supplier<String> state) {
        this.registry = registry;
        this.ready = ready;
        this.state = state;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            HttpResponseStatus status = cause instanceof TooLongHttpHeaderException
                    ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                    : cause instanceof TooLongHttpLineException ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                    : HttpResponseStatus.BAD_REQUEST;
            log.debug("bad admin request from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            send(ctx, req, text(status, status.reasonPhrase() + "\n"), true);
            return;
        }
        String path = new QueryStringDecoder(req.uri()).path();
        boolean head = req.method().equals(HttpMethod.HEAD);
        if (!head && !req.method().equals(HttpMethod.GET)) {
            FullHttpResponse r = text(HttpResponseStatus.METHOD_NOT_ALLOWED, "method not allowed\n");
            r.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            send(ctx, req, r, false);
            return;
        }
        FullHttpResponse response = switch (path) {
            case "/metrics" -> metrics(req.headers().get(HttpHeaderNames.ACCEPT));
            case "/health/live" -> text(HttpResponseStatus.OK, "live\n");
            case "/health/ready" -> ready.getAsBoolean()
                    ? text(HttpResponseStatus.OK, "ready\n")
                    : text(HttpResponseStatus.SERVICE_UNAVAILABLE, "not ready: " + state.get() + "\n");
            default -> text(HttpResponseStatus.NOT_FOUND, "not found; try /metrics, /health/live, /health/ready\n");
        };
        if (head) {
            // HEAD announces the length GET would send, without the body.
            HttpUtil.setContentLength(response, response.content().readableBytes());
            response.content().clear();
        }
        send(ctx, req, response, false);
    }

    private FullHttpResponse metrics(String accept) {
        String contentType = formats.findWriter(accept).getContentType();
        ByteBuf body = Unpooled.buffer(16 * 1024);
        try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
            registry.scrape(out, contentType);
        } catch (IOException | RuntimeException e) {
            body.release();
            log.warn("scrape failed: {}", e.toString());
            return text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed\n");
        }
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return r;
    }

    private static FullHttpResponse text(HttpResponseStatus status, String body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, TEXT);
        return r;
    }

    private static void send(ChannelHandlerContext ctx, FullHttpRequest req, FullHttpResponse r, boolean close) {
        boolean keepAlive = !close && HttpUtil.isKeepAlive(req);
        if (!r.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(r, r.content().readableBytes());
        }
        if (keepAlive) {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(r);
        } else {
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            log.debug("admin request too large from {}: {}", ctx.channel().remoteAddress(), cause.toString());
        } else {
            log.debug("admin connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        }
        ctx.close();
    }
}
