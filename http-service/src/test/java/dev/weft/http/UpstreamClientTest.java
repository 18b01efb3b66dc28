package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The public upstream client on its own: its metric is named after it, bodies are bounded, failures map to statuses. */
@ExtendWith(NoLeakedThreads.class)
class UpstreamClientTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final UpstreamStub stub = new UpstreamStub();
    private final UpstreamClient client = UpstreamClient.create("orders", registry);

    UpstreamClientTest() throws Exception {
    }

    @AfterEach
    void close() {
        client.close();
        stub.close();
    }

    @Test
    void eachClientTimesItsCallsInAMetricNamedAfterIt() {
        UpstreamClient.Result r = client.get(Context.background(), new Upstream("stock", stub.url("/ok")));
        assertTrue(r.ok());
        assertTrue(r.json().isObject());
        assertEquals(1, registry.get("http.orders.upstream").tags("upstream", "stock", "outcome", "SUCCESS").timer().count());
    }

    @Test
    void aFailedCallThrownAsAnUpstreamExceptionCarriesTheStatusTheClientGets() {
        UpstreamClient.Result failed = client.get(Context.background(), new Upstream("stock", stub.url("/fail")));
        UpstreamException e = assertThrows(UpstreamException.class, failed::orThrow);
        assertEquals(502, e.status().code());
        assertEquals("upstream stock: upstream answered 500", e.problem().detail());
        UpstreamClient.Result late = client.get(Context.withTimeout(Context.background(), java.time.Duration.ZERO),
                new Upstream("stock", stub.url("/ok")));
        assertEquals(504, assertThrows(UpstreamException.class, late::orThrow).status().code());
    }

    @Test
    void aBodyOverTheLimitFailsTheCall() {
        UpstreamClient.Result r = client.get(Context.background(), new Upstream("stock", stub.url("/big")));
        assertEquals(UpstreamClient.Outcome.ERROR, r.outcome());
        assertEquals("answered more than " + UpstreamClient.MAX_BODY_BYTES + " bytes", r.error());
    }

    @Test
    void namesMustMakeAValidMetricName() {
        assertThrows(IllegalArgumentException.class, () -> UpstreamClient.create("Orders-API", registry));
    }

    @Test
    void atKeepsTheUpstreamsNameSoItsSeriesStayOne() {
        Upstream orders = new Upstream("orders", "http://orders:8080/api");
        assertEquals(new Upstream("orders", "http://orders:8080/api/orders/42"), orders.at("/orders/42"));
    }
}
