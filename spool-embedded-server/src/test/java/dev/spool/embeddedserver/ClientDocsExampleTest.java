package dev.spool.embeddedserver;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

/** The complete example of {@code docs/client.md} is the test that runs, character for character. */
class ClientDocsExampleTest {
    @Test
    void shouldShowTheExampleTestThatRunsWhenDocsAreRead() throws IOException {
        String docs = Files.readString(Path.of("../docs/client.md"));
        int heading = docs.indexOf("### A complete example");
        assertThat(heading).as("docs/client.md has the example section").isPositive();
        int start = docs.indexOf("```java\n", heading) + "```java\n".length();
        int end = docs.indexOf("```\n", start);
        String example = Files.readString(Path.of("src/test/java/com/example/orders/OrderServiceTest.java"));
        assertThat(docs.substring(start, end)).isEqualTo(example);
    }
}
