package dev.echoport.admission;

import java.net.InetSocketAddress;

/**
 * echoport's {@code WSAAccept} condition function: decides, for each new connection, whether it is admitted,
 * refused or left waiting.
 *
 * <p>Called on a server channel's event loop for every accepted socket, with the tracker's lock held so that the
 * decision and the count it is based on cannot drift apart: implementations must be fast, must not block and must not
 * throw (a thrown exception rejects the connection with reason {@link RejectReason#POLICY}).
 *
 * <p>A class named in {@code echoport.admission.policy-class} must implement this interface and have a public no-arg
 * constructor; it is asked after the built-in rules (CIDRs, limits) have admitted the connection.
 */
@FunctionalInterface
public interface AdmissionPolicy {
    /**
     * @param peer   the remote address of the new connection
     * @param local  the local address it connected to
     * @param counts the open connections, not counting this one
     * @return the decision; never {@code null}
     */
    Decision decide(InetSocketAddress peer, InetSocketAddress local, ConnectionCounts counts);

    /** The policy class named in {@code echoport.admission.policy-class}, created with its no-arg constructor. */
    static AdmissionPolicy instantiate(String className) {
        try {
            return (AdmissionPolicy) Class.forName(className).getConstructor().newInstance();
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalStateException("echoport.admission.policy-class = " + className + ": " + e, e);
        }
    }
}
