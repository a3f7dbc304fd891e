package dev.echoport.tls;

import dev.echoport.config.ProtocolSettings.TlsProvider;
import dev.echoport.testsupport.EveryTransport;
import dev.echoport.transport.Transport;
import io.netty.handler.ssl.OpenSsl;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.ArgumentsProvider;
import org.junit.jupiter.params.provider.ArgumentsSource;
import org.opentest4j.TestAbortedException;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * {@link EveryTransport} times both TLS providers: the method takes a {@code Transport} and a {@link TlsProvider}
 * ({@code OPENSSL}, {@code JDK}), in that order. An unavailable transport, or OpenSSL where its native library does not
 * load, is reported as skipped with Netty's reason, never as passed.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedTest(name = "{0}, {1}")
@ArgumentsSource(EveryTransportAndTlsProvider.Pairs.class)
@ExtendWith(EveryTransport.SkipUnavailable.class)
@ExtendWith(EveryTransportAndTlsProvider.SkipUnavailableOpenSsl.class)
public @interface EveryTransportAndTlsProvider {

    /** The two providers that can serve (auto is one of them, decided by the host). */
    TlsProvider[] PROVIDERS = {TlsProvider.OPENSSL, TlsProvider.JDK};

    /** Every transport with every provider. */
    final class Pairs implements ArgumentsProvider {
        @Override
        public Stream<? extends Arguments> provideArguments(ExtensionContext context) {
            return Arrays.stream(Transport.values())
                    .flatMap(t -> Arrays.stream(PROVIDERS).map(p -> Arguments.of(t, p)));
        }
    }

    /** Skips an OpenSSL invocation, with Netty's cause, where netty-tcnative does not load. */
    final class SkipUnavailableOpenSsl implements InvocationInterceptor {
        @Override
        public void interceptTestTemplateMethod(Invocation<Void> invocation,
                                                ReflectiveInvocationContext<Method> context,
                                                ExtensionContext extension) throws Throwable {
            for (Object argument : context.getArguments()) {
                if (argument == TlsProvider.OPENSSL && !OpenSsl.isAvailable()) {
                    invocation.skip();
                    throw new TestAbortedException("openssl " + OpenSsl.unavailabilityCause());
                }
            }
            invocation.proceed();
        }
    }
}
