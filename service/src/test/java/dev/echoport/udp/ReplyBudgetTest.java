package dev.echoport.udp;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The process-wide budget, on a clock of our own: a tenth of a second's burst, then the rate, in packets and bytes. */
class ReplyBudgetTest {
    private static final long T0 = 5_000_000_000L;
    private static final long SECOND = 1_000_000_000L;

    @Test
    void replies_a_second_hold_after_a_tenth_of_a_second_of_burst() {
        ReplyBudget budget = new ReplyBudget(1000, 0, 65507, T0);
        assertThat(replies(budget, 64, T0, 10_000)).as("burst: 100 ms of 1000/s").isEqualTo(100);
        assertThat(replies(budget, 64, T0 + SECOND, 10_000)).as("after 1 s: refilled to the burst, no more")
                .isEqualTo(100);
        int total = 0;
        for (long t = T0 + 2 * SECOND; t <= T0 + 3 * SECOND; t += SECOND / 1000) { // 1 ms steps for 1 s
            total += replies(budget, 64, t, 10);
        }
        assertThat(total).as("over one second of a 10x flood: the rate plus one burst at most")
                .isBetween(1000, 1000 + 100);
    }

    @Test
    void reply_bytes_a_second_hold_and_the_largest_datagram_can_always_pass() {
        ReplyBudget budget = new ReplyBudget(0, 100_000, 60_000, T0);
        assertThat(replies(budget, 60_000, T0, 10)).as("the bucket holds one largest datagram").isEqualTo(1);
        assertThat(replies(budget, 60_000, T0 + SECOND / 2, 10)).as("0.5 s: 50,000 B, not enough").isZero();
        assertThat(replies(budget, 60_000, T0 + SECOND, 10)).as("another 0.5 s: enough for one").isEqualTo(1);
        assertThat(replies(budget, 0, T0 + SECOND, 10)).as("empty datagrams cost no bytes").isEqualTo(10);
    }

    @Test
    void zero_is_no_limit() {
        ReplyBudget budget = new ReplyBudget(0, 0, 65507, T0);
        assertThat(replies(budget, 65507, T0, 100_000)).isEqualTo(100_000);
    }

    @Test
    void the_smaller_of_the_two_budgets_decides() {
        ReplyBudget budget = new ReplyBudget(1000, 10_000, 1000, T0); // bursts: 100 replies, 1000 B
        assertThat(replies(budget, 100, T0, 1000)).as("bytes run out first").isEqualTo(10);
        assertThat(replies(budget, 1, T0 + SECOND, 1000)).as("then replies do").isEqualTo(100);
    }

    private static int replies(ReplyBudget budget, int size, long now, int datagrams) {
        int n = 0;
        for (int i = 0; i < datagrams; i++) {
            if (budget.allows(size, now)) {
                budget.take(size);
                n++;
            }
        }
        return n;
    }
}
