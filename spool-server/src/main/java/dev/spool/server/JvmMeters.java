package dev.spool.server;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;

/**
 * The JVM and process figures of {@code /metrics}, from Micrometer's binders: heap and non-heap
 * memory by pool ({@code jvm_memory_*}), GC pauses and allocation ({@code jvm_gc_*}), threads by
 * state ({@code jvm_threads_*}), loaded classes, CPU use of the process and the machine
 * ({@code process_cpu_usage}, {@code system_cpu_*}), open and maximum file descriptors
 * ({@code process_files_*}, on Unix) and uptime. The GC binder listens to the JVM's GC
 * notifications until {@link #close()}, which a stopping server calls so that servers started and
 * stopped in one JVM (tests, embedded use) do not pile up listeners.
 */
final class JvmMeters implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    JvmMeters(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    @Override
    public void close() {
        gc.close();
    }
}
