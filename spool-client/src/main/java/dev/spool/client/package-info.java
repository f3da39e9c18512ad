/**
 * Java client of the Spool HTTP API v1.
 *
 * <p>{@link dev.spool.client.SpoolClient} speaks the whole API over pooled keep-alive HTTP/1.1 and
 * implements the {@link dev.spool.api.Broker} interface, so code written against an embedded broker
 * runs unchanged against a server. {@link dev.spool.client.Producer} batches pushes,
 * by default as frames over its own {@code /v1/stream} WebSocket;
 * {@link dev.spool.client.Consumer} consumes over the {@code /v1/stream} WebSocket with credit-based
 * prefetch, a bounded handler pool, automatic lease extension and batched acks.
 */
package dev.spool.client;
