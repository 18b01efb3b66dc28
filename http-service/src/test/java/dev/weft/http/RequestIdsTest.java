package dev.weft.http;

import dev.weft.patterns.Context;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/** {@code X-Request-Id}: taken when safe, else made; on every answer and in problem+json. */
class RequestIdsTest {

    private ApiServer server;
    private int port;

    @BeforeEach
    void start() {
        server = ApiServer.builder().host("127.0.0.1").port(0).registry(new SimpleMeterRegistry()).build();
        server.start();
        port = server.port();
    }

    @AfterEach
    void stop() {
        server.stop(Context.background());
    }

    @Test
    void aSafeIdIsReturnedAsIs() {
        given().port(port).header(RequestIds.HEADER, "req-42.a:b_c").get("/api/v1/hello")
                .then().statusCode(200).header(RequestIds.HEADER, "req-42.a:b_c");
    }

    @Test
    void aMissingOrUnsafeIdIsReplacedByANewUuid() {
        for (String unsafe : new String[] {null, "", "has space", "x".repeat(129), "semi;colon", "é"}) {
            var req = given().port(port);
            if (unsafe != null) {
                req = req.header(RequestIds.HEADER, unsafe);
            }
            String id = req.get("/api/v1/hello").then().statusCode(200).extract().header(RequestIds.HEADER);
            assertEquals(id, UUID.fromString(id).toString(), "a UUID for " + unsafe);
            assertNotEquals(unsafe, id);
        }
    }

    @Test
    void aNewIdIsARandomVersion4Uuid() {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (int i = 0; i < 1000; i++) {
            UUID id = UUID.fromString(RequestIds.newId());
            assertEquals(4, id.version());
            assertEquals(2, id.variant());
            ids.add(id.toString());
        }
        assertEquals(1000, ids.size(), "no two alike");
    }

    @Test
    void problemsCarryTheId() {
        given().port(port).header(RequestIds.HEADER, "abc-123").get("/api/v1/hello?name=")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .header(RequestIds.HEADER, "abc-123")
                .body("requestId", equalTo("abc-123"));
        given().port(port).header(RequestIds.HEADER, "abc-124").get("/api/v1/no-such-route")
                .then().statusCode(404).contentType(Problem.MEDIA_TYPE)
                .body("requestId", equalTo("abc-124"));
    }
}
