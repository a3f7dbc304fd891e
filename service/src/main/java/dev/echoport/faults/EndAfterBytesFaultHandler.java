package dev.echoport.faults;

import dev.echoport.echo.CloseCause;
import dev.echoport.echo.ConnectionLifecycleHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.PromiseNotifier;

import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * faults.close-after-bytes / faults.reset-after-bytes: passes exactly that many echoed bytes to the socket, then ends
 * the connection (cause {@code fault}). It sits nearest the socket of the fault handlers, so it counts what really
 * leaves. Once the last byte is written: with {@code reset}, SO_LINGER 0 and close (RST); else shutdownOutput (FIN
 * after the data), then what the client still sends is read and dropped until it closes its side too, at most
 * {@link #FIN_LINGER_SECONDS}: closing with unread bytes in the socket would make the kernel send RST instead of FIN.
 *
 * <p>Holds per-connection state: not {@code @Sharable}.
 */
final class EndAfterBytesFaultHandler extends ChannelDuplexHandler {
    static final int FIN_LINGER_SECONDS = 2;

    private final long limit;
    private final boolean reset;
    private final Consumer<Fault> injected;
    private final LongConsumer droppedInput;
    private long written;
    private boolean ended;

    /**
     * @param injected     told once, when this connection is ended
     * @param droppedInput bytes read and dropped after the end (they still count as received)
     */
    EndAfterBytesFaultHandler(long limit, boolean reset, Consumer<Fault> injected, LongConsumer droppedInput) {
        this.limit = limit;
        this.reset = reset;
        this.injected = injected;
        this.droppedInput = droppedInput;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (ended) {
            ReferenceCountUtil.release(msg);
            promise.tryFailure(new ClosedChannelException()); // a void promise ignores it
            return;
        }
        if (!(msg instanceof ByteBuf buf) || buf.readableBytes() < limit - written) {
            written += msg instanceof ByteBuf b ? b.readableBytes() : 0;
            ctx.write(msg, promise);
            return;
        }
        int last = (int) (limit - written);
        ByteBuf cut = buf.readRetainedSlice(last);
        buf.release();
        written = limit;
        ended = true;
        ChannelPromise end = ctx.newPromise();
        if (!promise.isVoid()) {
            end.addListener(new PromiseNotifier<>(promise));
        }
        end.addListener(f -> {
            if (f.isSuccess()) {
                end(ctx);
            }
        });
        ctx.writeAndFlush(cut, end);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ended) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof ByteBuf buf) {
            droppedInput.accept(buf.readableBytes());
        }
        ReferenceCountUtil.release(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (ended && evt instanceof ChannelInputShutdownEvent) {
            ctx.close(); // the client closed its side after our FIN: an orderly close both ways
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    private void end(ChannelHandlerContext ctx) {
        ConnectionLifecycleHandler.markCause(ctx.channel(), CloseCause.FAULT);
        injected.accept(reset ? Fault.RESET_AFTER_BYTES : Fault.CLOSE_AFTER_BYTES);
        if (reset) {
            Resets.reset(ctx);
        } else if (ctx.channel() instanceof DuplexChannel duplex) {
            duplex.shutdownOutput();
            ctx.executor().schedule(() -> ctx.close(), FIN_LINGER_SECONDS, TimeUnit.SECONDS);
        } else {
            ctx.close();
        }
    }
}
