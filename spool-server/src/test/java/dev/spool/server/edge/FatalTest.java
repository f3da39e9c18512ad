package dev.spool.server.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An {@link OutOfMemoryError} ends the process with exit code 3, whether it kills a thread or is
 * caught by Vert.x and reported to its exception handler (as {@code ServerStarter} wires it).
 * Each case runs in a child JVM ({@link #main}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class FatalTest {
    @Test
    void shouldSeeOutOfMemoryThroughWrappers() {
        assertThat(Fatal.isOutOfMemory(new CompletionException(new RuntimeException(new OutOfMemoryError())))).isTrue();
        assertThat(Fatal.isOutOfMemory(new IllegalStateException("no"))).isFalse();
        assertThat(Fatal.onUncaught(new IllegalStateException("no"))).isFalse();
    }

    @Test
    void shouldHaltWhenAThreadDiesOfOutOfMemory() throws Exception {
        assertThat(runChild("thread")).isEqualTo(Fatal.EXIT_CODE);
    }

    @Test
    void shouldHaltWhenVertxCatchesAnOutOfMemoryOnAnEventLoop() throws Exception {
        assertThat(runChild("vertx")).isEqualTo(Fatal.EXIT_CODE);
    }

    private static int runChild(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                FatalTest.class.getName(), mode)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("child exited").isTrue();
        return p.exitValue();
    }

    /** The child: throws an OutOfMemoryError the way {@code mode} says; exits 0 if it survives. */
    public static void main(String[] args) throws Exception {
        Fatal.haltOnOutOfMemory();
        if ("thread".equals(args[0])) {
            Thread t = new Thread(() -> {
                throw new OutOfMemoryError("simulated");
            });
            t.start();
            t.join();
        } else {
            Vertx vertx = Vertx.vertx();
            vertx.exceptionHandler(Fatal::onUncaught);
            vertx.runOnContext(v -> {
                throw new OutOfMemoryError("simulated");
            });
        }
        Thread.sleep(5000); // the halt comes first; surviving this long is the failure
        System.exit(0);
    }
}
