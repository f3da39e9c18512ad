/**
 * The Spool server: HTTP API v1 and the {@code /v1/stream} WebSocket over a
 * {@link dev.spool.api.Broker}, on Vert.x. The public entry points are
 * {@link dev.spool.server.SpoolServer} and {@link dev.spool.server.ServerConfig}; everything else is
 * package-private: one class per resource family ({@code *Routes}), JSON codecs on Jackson's
 * streaming API ({@code *Codec}), the error mapping ({@link dev.spool.server.Errors}) and the
 * operational pieces (metrics, connection bounds, graceful shutdown).
 */
package dev.spool.server;
