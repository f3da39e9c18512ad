/**
 * The Broker SPI shared by every Spool backend, the server and the client: the {@link
 * dev.spool.api.Broker} interface, immutable model records, input validation and the one exception
 * type {@link dev.spool.api.SpoolException} with its stable {@link dev.spool.api.ErrorCode}s.
 * No third-party dependencies.
 */
package dev.spool.api;
