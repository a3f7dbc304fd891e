package dev.echoport.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.ThreadPerChannelEventLoop;
import io.netty.channel.ThreadPerChannelEventLoopGroup;

import java.util.concurrent.ThreadFactory;
import java.util.function.Consumer;

/**
 * oio's connection threads, one per connection, that say when a thread is free again.
 *
 * <p>A connection's close completes on its thread before the thread returns to the group's idle pool, so "the
 * connection closed" is not "its thread is free". A connection admitted in between would need a new thread; with a
 * fixed number of threads its registration fails. echoport frees a connection's admission slot only when its thread
 * is back in the pool ({@code threadFreed}), so admission never promises a thread that is still busy. The group itself
 * has no cap: admission caps connections (at {@code io-threads}), and threads are reused from the pool.
 */
@SuppressWarnings("deprecation") // OIO is deprecated in Netty 4.2; it is here on purpose, as the blocking model.
final class OioConnectionThreads extends io.netty.channel.oio.OioEventLoopGroup {
    private final Consumer<Channel> threadFreed;

    OioConnectionThreads(ThreadFactory threads, Consumer<Channel> threadFreed) {
        super(0, threads);
        this.threadFreed = threadFreed;
    }

    @Override
    protected EventLoop newChild(Object... args) {
        return new ConnectionThread(this);
    }

    private final class ConnectionThread extends ThreadPerChannelEventLoop {
        private volatile Channel served;

        ConnectionThread(ThreadPerChannelEventLoopGroup parent) {
            super(parent);
        }

        @Override
        public ChannelFuture register(ChannelPromise promise) {
            served = promise.channel();
            return super.register(promise);
        }

        /** Runs on this thread once its channel is deregistered (or failed to register): the thread is free now. */
        @Override
        protected void deregister() {
            Channel ch = served;
            served = null;
            super.deregister();
            if (ch != null) {
                threadFreed.accept(ch);
            }
        }
    }
}
