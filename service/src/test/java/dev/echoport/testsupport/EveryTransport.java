package dev.echoport.testsupport;

import dev.echoport.transport.Transport;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.opentest4j.TestAbortedException;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;

/**
 * One test body over every {@link Transport}, as Netty's testsuite runs each socket test over every transport: the
 * method takes a {@code Transport} as its first parameter, and an invocation for a transport this host cannot run is
 * reported as skipped with Netty's reason (kqueue on Linux), never as passed. Narrow it with {@code names} where a
 * scenario does not apply to a transport, and say why in a comment.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}")
@EnumSource(Transport.class)
@ExtendWith(EveryTransport.SkipUnavailable.class)
public @interface EveryTransport {

    /** Skips the invocation of an unavailable transport, with its cause, before the body runs. */
    final class SkipUnavailable implements InvocationInterceptor {
        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                                ReflectiveInvocationContext<Method> context,
                                                ExtensionContext extension) throws Throwable {
            for (Object argument : context.getArguments()) {
                if (argument instanceof Transport t && !t.isAvailable()) {
                    invocation.skip();
                    throw new TestAbortedException(t.configName() + " " + t.unavailabilityReason());
                }
            }
            invocation.proceed();
        }
    }
}
