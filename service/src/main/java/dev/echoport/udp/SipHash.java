package dev.echoport.udp;

/**
 * SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed hash for short inputs, made so that without the 128-bit key
 * nobody can tell which inputs collide. The source table hashes addresses with it, so a sender cannot choose
 * addresses that land on a given slot. Written out here (30 lines, checked against the reference test vectors)
 * because the data path hashes every datagram and must not allocate; no dependency of ours offers it.
 */
final class SipHash {
    private SipHash() {
    }

    /** SipHash-2-4 of {@code data[0..length)} under the key ({@code k0}, {@code k1}), both read little-endian. */
    static long hash(long k0, long k1, byte[] data, int length) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        int whole = length & ~7;
        for (int i = 0; i <= whole; i += 8) { // the message's 8-byte words, then the last word with the length
            long m = i < whole ? littleEndian(data, i, 8)
                    : ((long) length << 56) | littleEndian(data, whole, length - whole);
            v3 ^= m;
            for (int r = 0; r < 2; r++) {
                v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
                v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
                v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
                v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
            }
            v0 ^= m;
        }
        v2 ^= 0xff;
        for (int r = 0; r < 4; r++) {
            v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
            v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
            v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
            v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }

    private static long littleEndian(byte[] data, int from, int count) {
        long v = 0;
        for (int i = count - 1; i >= 0; i--) {
            v = (v << 8) | (data[from + i] & 0xffL);
        }
        return v;
    }
}
