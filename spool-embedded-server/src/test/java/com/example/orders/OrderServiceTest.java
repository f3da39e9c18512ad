package com.example.orders;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.spool.api.Delivery;
import dev.spool.api.NewMessage;
import dev.spool.api.PopRequest;
import dev.spool.client.SpoolClient;
import dev.spool.embeddedserver.SpoolTest;

@SpoolTest      // one in-process Spool server for this class, on a free port, memory storage
@Timeout(30)
class OrderServiceTest {
    /** The code under test: it only knows a SpoolClient. */
    record OrderService(SpoolClient spool) {
        long placeOrder(String customer, int amount) {
            String json = "{\"customer\":\"" + customer + "\",\"amount\":" + amount + "}";
            return SpoolClient.await(spool.push("orders", List.of(
                    NewMessage.builder(json).contentType("application/json").key(customer).build())))[0];
        }
    }

    @Test
    void shouldQueueAnOrderForTheWorkers(SpoolClient spool) {
        long id = new OrderService(spool).placeOrder("customer-7", 42);

        List<Delivery> work = SpoolClient.await(spool.pop("orders", PopRequest.of(10)));
        assertThat(work).hasSize(1);
        assertThat(work.get(0).id()).isEqualTo(id);
        assertThat(work.get(0).body().payload().asUtf8()).contains("\"amount\":42");
        assertThat(work.get(0).body().key()).contains("customer-7");
    }

    @Test
    void shouldStartEachTestWithNoQueues(SpoolClient spool) {
        // the queues of the other test were deleted after it (@SpoolTest(cleanBetweenTests = true))
        assertThat(SpoolClient.await(spool.listQueues())).isEmpty();
    }
}
