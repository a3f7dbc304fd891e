package dev.echoport.transport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Availability is reported with its cause, auto follows its documented order, explicit choices never fall back. */
class TransportTest {

    @Test
    void the_jdk_transports_are_always_available() {
        assertThat(Transport.available()).contains(Transport.OIO, Transport.NIO);
    }

    @Test
    void auto_takes_the_first_available_in_its_order_and_says_what_it_passed_over() {
        TransportSelection s = TransportSelection.resolve("auto");
        Transport expected = Transport.AUTO_ORDER.stream().filter(Transport::isAvailable).findFirst().orElseThrow();
        assertThat(s.active()).isEqualTo(expected);
        int index = Transport.AUTO_ORDER.indexOf(expected);
        assertThat(s.passedOver()).hasSize(index);
        assertThat(s.describe()).startsWith("transport " + expected.configName());
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void kqueue_is_unavailable_on_linux_with_netty_s_cause_and_is_never_replaced() {
        assertThat(Transport.KQUEUE.isAvailable()).isFalse();
        assertThat(Transport.KQUEUE.unavailabilityCause()).isPresent();
        assertThatThrownBy(() -> TransportSelection.resolve("kqueue"))
                .isInstanceOf(TransportUnavailableException.class)
                .hasMessageStartingWith("kqueue: not available on this host (");
    }

    @Test
    void names_are_matched_case_insensitively_and_unknown_names_refused() {
        assertThat(Transport.byConfigName("IO_URING")).contains(Transport.IO_URING);
        assertThat(Transport.byConfigName("select")).isEmpty();
        assertThatThrownBy(() -> TransportSelection.resolve("select")).isInstanceOf(IllegalArgumentException.class);
    }
}
