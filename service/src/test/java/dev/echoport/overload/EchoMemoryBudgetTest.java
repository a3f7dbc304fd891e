package dev.echoport.overload;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The budget's arithmetic: who stops reading at which total, and when accepting stops and resumes. */
class EchoMemoryBudgetTest {
    private static final long HIGH = 64 * 1024;
    private final EchoMemoryBudget budget = new EchoMemoryBudget(1_000_000, 1_500_000, HIGH);

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
}
