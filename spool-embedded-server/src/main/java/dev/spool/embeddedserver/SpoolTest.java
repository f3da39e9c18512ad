package dev.spool.embeddedserver;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a JUnit 5 test class against an embedded Spool: one server for the class, started before
 * its first test and closed after its last. Test methods, constructors and lifecycle methods take
 * {@link dev.spool.client.SpoolClient} or {@link EmbeddedSpool} parameters.
 *
 * <pre>{@code
 * @SpoolTest
 * class OrderServiceTest {
 *     @Test
 *     void shouldQueueAnOrder(SpoolClient spool) { ... }
 * }
 * }</pre>
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(SpoolExtension.class)
public @interface SpoolTest {
    /** Journal storage in a temporary directory instead of memory. */
    boolean journal() default false;

    /** Delete every queue after each test, so that tests of the class do not see each other's messages. */
    boolean cleanBetweenTests() default true;
}
