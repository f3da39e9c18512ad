/**
 * The web dashboard at {@code /ui}: static assets (HTML, JavaScript, CSS, an icon) packed in the
 * server's jar and served from memory. The page reads and changes everything through API v1
 * ({@code docs/api.md}), so it needs no server state of its own; see {@code docs/dashboard.md}.
 */
package dev.spool.server.ui;
