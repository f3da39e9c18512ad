package dev.spool.server.edge;

/**
 * An {@link OutOfMemoryError} anywhere ends the process, so that a supervisor restarts it: a
 * server that lost its engine thread or its listener to an OOME would otherwise stay up doing
 * nothing.
 *
 * <p>The JVM flag {@code -XX:+ExitOnOutOfMemoryError} (set by the {@code ./spool} launcher) covers
 * the errors the JVM throws; this class covers the ones libraries throw themselves (Netty's
 * direct-memory errors) and the ones a framework catches and reports instead of letting the
 * thread die (Vert.x hands handler failures to {@link #onUncaught}). Both paths print one line to
 * standard error and {@link Runtime#halt halt} with {@link #EXIT_CODE}: no shutdown hook runs,
 * because after an OOME nothing can be trusted to finish.
 */
public final class Fatal {
    /** The exit code after an OutOfMemoryError (the JVM's own {@code ExitOnOutOfMemoryError} uses 3). */
    public static final int EXIT_CODE = 3;
    private static volatile boolean halting;

    private Fatal() {
    }

    /**
     * Makes every thread's uncaught {@link OutOfMemoryError} halt the process. Called by the
     * process entry points ({@code Main}, {@code spool serve}), not by embedded servers: halting
     * is the host application's decision.
     */
    public static void haltOnOutOfMemory() {
        halting = true;
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            onUncaught(e);
            if (previous != null) {
                previous.uncaughtException(t, e);
            } else {
                System.err.println("uncaught exception in thread " + t.getName() + ": " + e);
            }
        });
    }

    /**
     * Handles a failure nobody caught: halts the process if it is (or was caused by) an
     * {@link OutOfMemoryError} and {@link #haltOnOutOfMemory} was called.
     *
     * @param e the failure
     * @return whether it is an out-of-memory failure (callers log the others)
     */
    public static boolean onUncaught(Throwable e) {
        if (!isOutOfMemory(e)) {
            return false;
        }
        if (halting) {
            System.err.println("spool: OutOfMemoryError, halting: " + e);
            Runtime.getRuntime().halt(EXIT_CODE);
        }
        return true;
    }

    /** Whether {@code e} or one of its causes is an {@link OutOfMemoryError}. */
    public static boolean isOutOfMemory(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
