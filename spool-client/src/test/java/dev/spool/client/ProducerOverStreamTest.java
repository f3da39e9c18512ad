package dev.spool.client;

/** {@link ProducerTest}'s cases over {@link PushTransport#STREAM}, the default transport. */
class ProducerOverStreamTest extends ProducerTest {
    @Override
    PushTransport transport() {
        return PushTransport.STREAM;
    }
}
