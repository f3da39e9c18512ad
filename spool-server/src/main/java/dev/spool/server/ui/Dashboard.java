package dev.spool.server.ui;

import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Mounts the web dashboard: {@code GET /ui} redirects to {@code /ui/}, which serves the page;
 * {@code GET /ui/{asset}} serves its scripts, style sheet and icon. Unknown assets fall through to
 * the API's JSON 404.
 *
 * <p>Caching: every reply carries {@code Cache-Control: no-cache} and a strong ETag, so a browser
 * revalidates on each load and gets {@code 304} while the server's version is unchanged, and a new
 * server version is picked up at once. A Content-Security-Policy allows only this origin, so the
 * page can load nothing from elsewhere, and {@code connect-src 'self'} keeps its API calls here.
 *
 * <p>The assets hold no data. Everything the page shows comes from API v1 calls, which carry the
 * bearer token the user enters (kept in the tab's {@code sessionStorage}); authentication and
 * permissions therefore apply to the dashboard exactly as to any other client.
 */
public final class Dashboard {
    /** The page's path. */
    public static final String PATH = "/ui/";

    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private final Assets assets;

    private Dashboard(Assets assets) {
        this.assets = assets;
    }

    /**
     * Adds the dashboard's routes to {@code r}.
     *
     * @param r the API's router (the dashboard's requests pass the same gate as API requests)
     */
    public static void register(Router r) {
        Dashboard d = new Dashboard(Assets.load());
        // Vert.x matches "/ui" and "/ui/" with one route: the page needs the slash for its relative URLs
        r.route(HttpMethod.GET, "/ui").handler(rc -> {
            if (rc.request().path().endsWith("/")) {
                d.send(rc, "index.html");
            } else {
                redirect(rc.response());
            }
        });
        r.route(HttpMethod.GET, "/ui/:asset").handler(rc -> d.send(rc, rc.pathParam("asset")));
    }

    private static void redirect(HttpServerResponse resp) {
        resp.setStatusCode(302).putHeader("Location", PATH).putHeader("Cache-Control", "no-cache").end();
    }

    private void send(RoutingContext rc, String name) {
        Assets.Asset a = assets.get(name).orElse(null);
        if (a == null) {
            rc.fail(404);
            return;
        }
        HttpServerResponse resp = rc.response();
        resp.putHeader("Cache-Control", "no-cache").putHeader("ETag", a.etag())
                .putHeader("X-Content-Type-Options", "nosniff").putHeader("Referrer-Policy", "no-referrer");
        if ("index.html".equals(name)) {
            resp.putHeader("Content-Security-Policy", CSP).putHeader("X-Frame-Options", "DENY");
        }
        String match = rc.request().getHeader("If-None-Match");
        if (match != null && match.contains(a.etag())) {
            resp.setStatusCode(304).end();
            return;
        }
        resp.setStatusCode(200).putHeader("Content-Type", a.contentType()).end(a.body());
    }
}
