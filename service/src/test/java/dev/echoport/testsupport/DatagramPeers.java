package dev.echoport.testsupport;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Many UDP peers at once, each a non-blocking {@link DatagramChannel} bound to its own loopback address (the whole of
 * 127.0.0.0/8 is local on Linux), so that one test can look like many hosts, forged sources included. Closes them all.
 *
 * <p>Peers never take the server's own port number: the server (on an ephemeral port itself in tests) refuses to
 * answer a source on its own port, since that could be a twin echo, and on another loopback address the kernel may
 * hand a peer that very number.
 */
public final class DatagramPeers implements AutoCloseable {
    private final List<DatagramChannel> peers = new ArrayList<>();

    /** One peer on each of 127.0.0.{first}..127.0.0.{last}, each on an ephemeral port other than {@code serverPort}. */
    public static DatagramPeers onLoopback(int first, int last, int serverPort) throws IOException {
        DatagramPeers p = new DatagramPeers();
        try {
            for (int i = first; i <= last; i++) {
                p.add("127.0.0." + i, serverPort);
            }
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
        return p;
    }

    /** Adds a peer on {@code address}, on an ephemeral port other than {@code serverPort}; returns its index. */
    public int add(String address, int serverPort) throws IOException {
        while (true) {
            DatagramChannel c = DatagramChannel.open();
            try {
                c.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                c.configureBlocking(false);
                c.bind(new InetSocketAddress(address, 0));
            } catch (IOException | RuntimeException e) {
                c.close();
                throw e;
            }
            if (((InetSocketAddress) c.getLocalAddress()).getPort() != serverPort) {
                peers.add(c);
                return peers.size() - 1;
            }
            c.close(); // the server's own number: it would never be answered; the next bind takes another
        }
    }

    public int size() {
        return peers.size();
    }

    public InetSocketAddress address(int peer) throws IOException {
        return (InetSocketAddress) peers.get(peer).getLocalAddress();
    }

    /** Sends {@code payload} from {@code peer}; false if its socket had no room (nothing sent). */
    public boolean send(int peer, byte[] payload, InetSocketAddress to) throws IOException {
        return peers.get(peer).send(ByteBuffer.wrap(payload), to) > 0;
    }

    /** Every datagram waiting at {@code peer}, without blocking. */
    public List<byte[]> drain(int peer) throws IOException {
        List<byte[]> got = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (peers.get(peer).receive(buf) != null) {
            buf.flip();
            byte[] b = new byte[buf.remaining()];
            buf.get(b);
            got.add(b);
            buf.clear();
        }
        return got;
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        for (DatagramChannel c : peers) {
            try {
                c.close();
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
