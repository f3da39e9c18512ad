package dev.spool.embeddedserver;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;

import dev.spool.client.SpoolClient;

/**
 * The JUnit 5 extension behind {@link SpoolTest}: starts one {@link EmbeddedSpool} per test class
 * (lazily, on the first parameter that needs it), keeps it in the class's extension store, which
 * closes it when the class is done, and resolves {@link SpoolClient} and {@link EmbeddedSpool}
 * parameters. Usable on its own with {@code @ExtendWith(SpoolExtension.class)} (memory storage).
 */
public final class SpoolExtension implements ParameterResolver, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SpoolExtension.class);

    /** Wraps the server so that the store closes it with the class context (JUnit 5.13+ closes AutoCloseables). */
    private record Resource(EmbeddedSpool spool) implements AutoCloseable {
        @Override
        public void close() {
            spool.close();
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext p, ExtensionContext ctx) {
        Class<?> type = p.getParameter().getType();
        return type == SpoolClient.class || type == EmbeddedSpool.class;
    }

    @Override
    public Object resolveParameter(ParameterContext p, ExtensionContext ctx) {
        EmbeddedSpool spool = spool(ctx);
        Class<?> type = p.getParameter().getType();
        if (type == SpoolClient.class) {
            return spool.client();
        }
        if (type == EmbeddedSpool.class) {
            return spool;
        }
        throw new ParameterResolutionException("not a Spool parameter: " + type);
    }

    @Override
    public void afterEach(ExtensionContext ctx) {
        Resource r = classStore(ctx).get(Resource.class, Resource.class);
        if (r != null && settings(ctx).cleanBetweenTests()) {
            r.spool().deleteAllQueues();
        }
    }

    private static EmbeddedSpool spool(ExtensionContext ctx) {
        SpoolTest settings = settings(ctx);
        return classStore(ctx).getOrComputeIfAbsent(Resource.class,
                k -> new Resource(settings.journal() ? Spool.embeddedWithJournal() : Spool.embedded()),
                Resource.class).spool();
    }

    /** The store of the test class, so that one server serves every test of the class. */
    private static ExtensionContext.Store classStore(ExtensionContext ctx) {
        ExtensionContext c = ctx;
        while (c.getParent().isPresent() && c.getTestMethod().isPresent()) {
            c = c.getParent().get();
        }
        return c.getStore(NS);
    }

    private static SpoolTest settings(ExtensionContext ctx) {
        return ctx.getTestClass().flatMap(c -> AnnotationSupport.findAnnotation(c, SpoolTest.class))
                .orElse(DEFAULTS);
    }

    /** Carries the annotation's defaults for classes that use the extension without {@link SpoolTest}. */
    @SpoolTest
    private static final class Defaults {
    }

    private static final SpoolTest DEFAULTS = Defaults.class.getAnnotation(SpoolTest.class);
}
