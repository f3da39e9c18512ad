/**
 * Test support shared by every Spool backend: {@link dev.spool.testkit.BrokerContractTest}, the
 * contract suite each {@link dev.spool.api.Broker} implementation subclasses, and
 * {@link dev.spool.testkit.FaultInjectingFileChannel}, a file channel that fails, tears or drops
 * writes on command so that storage tests can prove what recovery keeps.
 */
package dev.spool.testkit;
