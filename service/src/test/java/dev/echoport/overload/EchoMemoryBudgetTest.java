package dev.echoport.overload;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The budget's arithmetic: who stops reading at which total of queued bytes and of direct memory in use, and when
 * accepting stops and resumes.
 */
class EchoMemoryBudgetTest {
    private static final long HIGH = 64 * 1024;
    /** Direct memory of 10 MB: pausing from 7 MB in use, accepting stopped at 8.5 MB. */
    private static final long DIRECT_MAX = 10_000_000;
    private final AtomicLong directInUse = new AtomicLong();
    private final EchoMemoryBudget budget = new EchoMemoryBudget(1_000_000, 1_500_000, HIGH,
            new DirectMemory(directInUse::get, DIRECT_MAX));

    @Test
    void under_the_budget_nobody_pauses() {
        budget.add(999_999);
        assertThat(budget.shouldPause(HIGH * 10)).isFalse();
        assertThat(budget.overBudget()).isFalse();
    }

    @Test
    void over_it_the_threshold_falls_from_the_watermark_to_one_byte() {
        assertThat(budget.pauseThreshold(1_000_001)).isEqualTo(HIGH - 1);
        assertThat(budget.pauseThreshold(1_250_000)).isEqualTo(HIGH / 2);
        assertThat(budget.pauseThreshold(1_499_999)).isEqualTo(1);
        assertThat(budget.pauseThreshold(2_000_000)).isEqualTo(1);
        budget.add(1_250_000);
        assertThat(budget.shouldPause(HIGH / 2)).as("holds half the watermark at the midpoint").isTrue();
        assertThat(budget.shouldPause(HIGH / 2 - 1)).isFalse();
        assertThat(budget.shouldPause(0)).as("a connection that keeps up").isFalse();
    }

    @Test
    void accepting_stops_at_the_mark_and_resumes_under_the_budget_once_each() {
        List<Boolean> seen = new ArrayList<>();
        budget.onAcceptingChanged(() -> seen.add(budget.accepting()));
        budget.add(1_499_999);
        assertThat(budget.accepting()).isTrue();
        budget.add(1);
        budget.add(100);
        assertThat(budget.accepting()).isFalse();
        budget.add(-200_000); // between the budget and the mark: still not accepting
        assertThat(budget.accepting()).isFalse();
        budget.add(-400_000);
        assertThat(budget.accepting()).isTrue();
        assertThat(seen).containsExactly(false, true);
    }

    @Test
    void direct_memory_over_its_pause_share_pauses_the_biggest_holders_below_the_budget() {
        budget.add(500_000); // half the budget: the queues pin enough for direct memory to count
        directInUse.set(7_000_000);
        assertThat(budget.overBudget()).as("at the pause share").isFalse();
        directInUse.set(7_750_000); // halfway from the pause share to the stop share
        assertThat(budget.overBudget()).isTrue();
        assertThat(budget.pauseThreshold(500_000)).isEqualTo(HIGH / 2);
        assertThat(budget.pauseThreshold(1_375_000)).as("queued bytes further along decide")
                .isEqualTo(HIGH / 4);
        directInUse.set(DIRECT_MAX);
        assertThat(budget.pauseThreshold(500_000)).isEqualTo(1);
        assertThat(budget.shouldPause(0)).as("a connection that keeps up").isFalse();
    }

    @Test
    void direct_memory_at_its_stop_share_stops_accepting_until_it_is_back_under_the_pause_share() {
        List<Boolean> seen = new ArrayList<>();
        budget.onAcceptingChanged(() -> seen.add(budget.accepting()));
        budget.add(600_000);
        directInUse.set(8_500_000);
        budget.recheck();
        assertThat(budget.accepting()).as("600 kB queued, direct memory at 85%").isFalse();
        directInUse.set(7_500_000);
        budget.recheck();
        assertThat(budget.accepting()).as("between the shares").isFalse();
        directInUse.set(6_999_999);
        budget.recheck();
        assertThat(budget.accepting()).as("queued under the budget, direct memory under 70%").isTrue();
        assertThat(seen).containsExactly(false, true);
    }

    @Test
    void direct_memory_the_queues_do_not_pin_refuses_nobody_and_caps_no_read() {
        List<Boolean> seen = new ArrayList<>();
        budget.onAcceptingChanged(() -> seen.add(budget.accepting()));
        budget.add(600_000);
        directInUse.set(9_000_000);
        budget.recheck();
        assertThat(budget.accepting()).isFalse();
        budget.add(-200_000); // 400 kB: under half the budget, but not yet under a quarter
        assertThat(budget.accepting()).as("direct memory still counts down to a quarter of the budget").isFalse();
        budget.add(-200_000); // the flood left; the allocator keeps its chunks
        assertThat(budget.accepting()).as("200 kB queued, direct memory at 90%").isTrue();
        assertThat(budget.overBudget()).isFalse();
        assertThat(budget.readShare(10)).as("the room under the queued stop mark alone").isEqualTo(130_000);
        assertThat(budget.hardReadShare(10)).as("reads still stay within half of what is left")
                .isEqualTo(50_000);
        budget.add(200_000); // 400 kB again: direct memory counts again only from half the budget
        assertThat(budget.accepting()).isTrue();
        assertThat(seen).containsExactly(false, true);
    }

    @Test
    void a_listener_that_fails_keeps_no_other_from_hearing_of_the_change() {
        List<Boolean> seen = new ArrayList<>();
        budget.onAcceptingChanged(() -> {
            throw new IllegalStateException("a listener's bug");
        });
        budget.onAcceptingChanged(() -> seen.add(budget.accepting()));
        budget.add(1_500_000);
        budget.add(-1_000_000);
        assertThat(seen).containsExactly(false, true);
    }

    @Test
    void reads_share_the_lesser_room_and_half_of_what_is_left_before_the_limit() {
        budget.add(1_000_000); // 500,000 left under the queued stop mark
        directInUse.set(8_300_000); // 200,000 left under the direct stop mark, 1,700,000 before the limit
        assertThat(budget.readShare(100)).isEqualTo(2_000);
        assertThat(budget.hardReadShare(100)).isEqualTo(8_500);
        directInUse.set(DIRECT_MAX + 1);
        assertThat(budget.readShare(100)).isZero();
        assertThat(budget.hardReadShare(100)).isZero();
    }
}
