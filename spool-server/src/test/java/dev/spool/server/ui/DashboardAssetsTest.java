package dev.spool.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.server.ServerConfig;
import dev.spool.server.SpoolServer;

/** The dashboard's files over real HTTP: content types, caching, security headers, no foreign URLs. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DashboardAssetsTest {
    /** The one absolute URL the assets may hold: the SVG namespace name, an identifier never fetched. */
    private static final String SVG_NAMESPACE = "http://www.w3.org/2000/svg";

    private static SpoolServer server;
    private static HttpClient http;

    @BeforeAll
    static void start() throws Exception {
        server = SpoolServer.start(ServerConfig.ephemeralMemory()).toCompletableFuture().get(30, TimeUnit.SECONDS);
        http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    private static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.url() + path)).GET();
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void shouldServeIndexAsHtmlWithRevalidationAndContentSecurityPolicy() throws Exception {
        HttpResponse<byte[]> r = get("/ui/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(r.headers().firstValue("ETag")).hasValueSatisfying(e -> assertThat(e).matches("\"[0-9a-f]{24}\""));
        assertThat(r.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("default-src 'self'").contains("connect-src 'self'").doesNotContain("http"));
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("<title>Spool dashboard</title>")
                .contains("src=\"app.js\"");
    }

    @Test
    void shouldServeEveryAssetWithItsContentType() throws Exception {
        for (String name : Assets.names()) {
            HttpResponse<byte[]> r = get("/ui/" + name);
            assertThat(r.statusCode()).as(name).isEqualTo(200);
            String type = r.headers().firstValue("Content-Type").orElseThrow();
            String expected = name.endsWith(".js") ? "text/javascript; charset=utf-8"
                    : name.endsWith(".css") ? "text/css; charset=utf-8"
                    : name.endsWith(".svg") ? "image/svg+xml" : "text/html; charset=utf-8";
            assertThat(type).as(name).isEqualTo(expected);
            assertThat(r.headers().firstValue("Cache-Control")).as(name).hasValue("no-cache");
            assertThat(r.body()).as(name).isEqualTo(resource(name));
        }
    }

    @Test
    void shouldServeEveryFileOfTheAssetFolder() throws Exception {
        List<String> files;
        try (var list = java.nio.file.Files.list(java.nio.file.Path.of("src/main/resources", Assets.ROOT))) {
            files = list.map(p -> p.getFileName().toString()).sorted().toList();
        }
        List<String> served = new ArrayList<>();
        Assets.names().forEach(served::add);
        assertThat(served).containsExactlyInAnyOrderElementsOf(files);
    }

    @Test
    void shouldAnswerNotModifiedWhenTheETagMatches() throws Exception {
        String etag = get("/ui/app.js").headers().firstValue("ETag").orElseThrow();
        HttpResponse<byte[]> again = get("/ui/app.js", "If-None-Match", etag);
        assertThat(again.statusCode()).isEqualTo(304);
        assertThat(again.body()).isEmpty();
        assertThat(get("/ui/app.js", "If-None-Match", "\"other\"").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldRedirectTheBarePathToThePage() throws Exception {
        for (String path : new String[] {"/ui"}) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(302);
            assertThat(r.headers().firstValue("Location")).as(path).hasValue("/ui/");
        }
    }

    @Test
    void shouldAnswerJsonNotFoundForUnknownAssetsAndTraversal() throws Exception {
        for (String path : new String[] {"/ui/nope.js", "/ui/..%2Fpom.xml", "/ui/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
            "/ui/dev/spool/server/ui/app.js", "/ui/logback.xml"}) {
            HttpResponse<byte[]> r = get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(404);
            assertThat(r.headers().firstValue("Content-Type")).as(path).hasValue("application/json");
            assertThat(new String(r.body(), StandardCharsets.UTF_8)).as(path).contains("\"not_found\"");
        }
    }

    @Test
    void shouldReferenceNoUrlOutsideThePagesOrigin() throws Exception {
        Pattern url = Pattern.compile("(?i)(https?:)?//[a-z0-9.-]+\\.[a-z]{2,}[^\\s\"'`)]*");
        List<String> foreign = new ArrayList<>();
        for (String name : Assets.names()) {
            String text = new String(resource(name), StandardCharsets.UTF_8);
            Matcher m = url.matcher(text);
            while (m.find()) {
                if (!m.group().equals(SVG_NAMESPACE)) {
                    foreign.add(name + ": " + m.group());
                }
            }
            assertThat(text).as(name).doesNotContainIgnoringCase("@import").doesNotContainIgnoringCase("cdn");
        }
        assertThat(foreign).isEmpty();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = DashboardAssetsTest.class.getClassLoader().getResourceAsStream(Assets.ROOT + name)) {
            assertThat(in).as(name).isNotNull();
            return in.readAllBytes();
        }
    }
}
