/**
 * The server's edge: what keeps one client from killing, starving or confusing the server for the
 * others. A global budget for request bodies held on the heap ({@link dev.spool.server.edge.BodyBudget}),
 * read deadlines for request heads and bodies ({@link dev.spool.server.edge.ConnectionEdge},
 * {@link dev.spool.server.edge.BodyDeadline}), metric labels from closed sets
 * ({@link dev.spool.server.edge.MetricLabels}) and the rule that an {@link OutOfMemoryError} ends the
 * process ({@link dev.spool.server.edge.Fatal}). {@code docs/hardening.md} lists every probe these
 * answer.
 *
 * <p>The types are public only because {@code dev.spool.server} wires them; they are not API.
 */
package dev.spool.server.edge;
