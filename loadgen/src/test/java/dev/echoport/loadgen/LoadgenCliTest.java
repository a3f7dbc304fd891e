package dev.echoport.loadgen;

import dev.echoport.loadgen.cli.LoadgenMain;
import dev.echoport.testsupport.RunningEchoport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The command line: help, option errors, exit statuses, JSON. */
@Timeout(60)
class LoadgenCliTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return LoadgenMain.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void helpDocumentsEveryOptionAndTheExitStatuses() {
        assertThat(run("--help")).isZero();
        CommandLine.Model.CommandSpec spec = new CommandLine(new LoadgenMain()).getCommandSpec();
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            assertThat(out()).contains(o.longestName().replace("--", ""));
            assertThat(o.description()).as(o.longestName()).isNotEmpty();
        }
        assertThat(out()).contains("Exit status").contains("mismatch").contains("bench");
    }

    @Test
    void everyHelpRendersWithoutPicocliWarnings() {
        // picocli formats each description with String.format; a bare % makes --help print a warning on stderr
        // (System.err, not the stream the command was given) and the text unformatted.
        CommandLine cli = new CommandLine(new LoadgenMain());
        java.util.List<CommandLine> commands = new java.util.ArrayList<>(java.util.List.of(cli));
        commands.addAll(cli.getSubcommands().values());
        PrintStream stderr = System.err;
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
        try {
            for (CommandLine c : commands) {
                assertThat(c.getUsageMessage()).as(c.getCommandName()).isNotBlank();
            }
        } finally {
            System.setErr(stderr);
        }
        assertThat(warnings.toString(StandardCharsets.UTF_8)).isEmpty();
    }

    @Test
    void aBadValueIsOneLineNamingTheOptionAndExitTwo() {
        assertThat(run("--connections", "many")).isEqualTo(ExitCodes.USAGE);
        assertThat(err().strip()).contains("--connections").doesNotContain("\n");
    }

    @Test
    void anOutOfRangeValueIsOneLineNamingTheOptionAndExitTwo() {
        assertThat(run("--pipeline", "0")).isEqualTo(ExitCodes.USAGE);
        assertThat(err().strip()).startsWith("loadgen: --pipeline").doesNotContain("\n");
    }

    @Test
    void anUnknownOptionExitsTwo() {
        assertThat(run("--frobnicate")).isEqualTo(ExitCodes.USAGE);
        assertThat(err().strip()).contains("--frobnicate").doesNotContain("\n");
    }

    @Test
    void aCleanRunPrintsJsonAndExitsZero() {
        try (RunningEchoport server = RunningEchoport.start("")) {
            int code = run("--port", String.valueOf(server.echoPort()), "-c", "2", "-s", "1KiB", "-n", "100", "--json");

            assertThat(code).isZero();
            assertThat(out().strip()).startsWith("{").endsWith("}").contains("\"roundTrips\":100,")
                    .contains("\"mismatches\":0,").contains("\"totalBytesSent\":102400,");
        }
    }

    @Test
    void aCorruptingServerMakesTheRunExitOne() throws Exception {
        try (TestServers.Broken server = new TestServers.Broken(() -> new TestServers.FlipOneByte(5))) {
            int code = run("--port", String.valueOf(server.port()), "-n", "20", "-s", "10");

            assertThat(code).isEqualTo(ExitCodes.MISMATCH);
            assertThat(out()).contains("1 mismatch").contains("first error  echo mismatch");
        }
    }
}
