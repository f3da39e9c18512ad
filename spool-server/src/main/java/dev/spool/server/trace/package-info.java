/**
 * OpenTelemetry spans for push, pop, settle and push delivery, exported over OTLP/HTTP when an
 * endpoint is configured. {@link dev.spool.server.trace.Tracing#off()} is the default and touches
 * no OpenTelemetry class, so tracing costs nothing unless it is switched on.
 */
package dev.spool.server.trace;
