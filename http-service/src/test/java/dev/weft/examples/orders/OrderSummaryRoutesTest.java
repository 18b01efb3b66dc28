package dev.weft.examples.orders;

import dev.weft.http.ApiServer;
import dev.weft.http.Upstream;
import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

@ExtendWith(NoLeakedThreads.class)
class OrderSummaryRoutesTest {

    private final CountDownLatch release = new CountDownLatch(1);
    private final WebServer upstream = WebServer.builder().port(0).routing(r -> r
            .get("/orders/{id}", (req, res) -> res.send("{\"total\": 42}"))
            .get("/payments/7", (req, res) -> res.send("{\"state\": \"paid\"}"))
            .get("/payments/8", (req, res) -> res.status(500).send())
            .get("/payments/9", (req, res) -> res.send(String.valueOf(release.await(9, TimeUnit.SECONDS)))))
            .build().start();
    private final String base = "http://127.0.0.1:" + upstream.port();
    private final ApiServer api = ApiServer.builder().port(0)
            .routes("/api/v1", r -> new OrderSummaryRoutes(r.client("orders"), new Upstream("orders", base), new Upstream("payments", base)))
            .build();

    OrderSummaryRoutesTest() {
        api.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        api.stop(Context.background());
        upstream.stop();
    }

    @Test
    void summaryJoinsTheOrderAndItsPayment() {
        given().port(api.port()).get("/api/v1/orders/7/summary").then().statusCode(200)
                .body("id", equalTo("7")).body("order.total", equalTo(42)).body("payment.state", equalTo("paid"));
    }

    @Test
    void aFailingUpstreamIs502AndASlowOneIs504AtTheDeadline() {
        given().port(api.port()).get("/api/v1/orders/8/summary").then().statusCode(502)
                .body("detail", equalTo("upstream payments: upstream answered 500"));
        given().port(api.port()).header("X-Request-Timeout", "100ms").get("/api/v1/orders/9/summary").then().statusCode(504);
    }

    @Test
    void aMalformedIdIs400() {
        given().port(api.port()).get("/api/v1/orders/a_b/summary").then().statusCode(400);
    }
}
