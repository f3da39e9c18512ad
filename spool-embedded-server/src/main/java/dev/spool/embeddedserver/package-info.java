/**
 * Spool in-process, for the tests of applications that use Spool: {@link dev.spool.embeddedserver.Spool#embedded()}
 * starts a real server (HTTP API, streams, metrics) on a free port of 127.0.0.1 with memory or
 * temporary journal storage and hands back a configured {@link dev.spool.client.SpoolClient};
 * {@link dev.spool.embeddedserver.SpoolTest} injects one into JUnit 5 test classes.
 */
package dev.spool.embeddedserver;
