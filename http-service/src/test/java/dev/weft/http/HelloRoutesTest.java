package dev.weft.http;

import dev.weft.patterns.Context;
import dev.weft.patterns.testing.NoLeakedThreads;
import io.restassured.RestAssured;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;

@ExtendWith(NoLeakedThreads.class)
class HelloRoutesTest {

    private static ApiServer server;

    @BeforeAll
    static void start() {
        server = ApiServer.builder().host("127.0.0.1").port(0).build();
        server.start();
        RestAssured.port = server.port();
    }

    @AfterAll
    static void stop() {
        server.stop(Context.background());
    }

    @Test
    void greetsByName() {
        given().queryParam("name", "Ada")
                .when().get("/api/v1/hello")
                .then().statusCode(200)
                .contentType("application/json")
                .body("message", equalTo("Hello, Ada!"));
    }

    @Test
    void greetsTheWorldWithoutAName() {
        given().when().get("/api/v1/hello").then().statusCode(200).body("message", equalTo("Hello, world!"));
    }

    @Test
    void acceptsExactlySixtyFourCharacters() {
        given().queryParam("name", "é".repeat(64)).when().get("/api/v1/hello").then().statusCode(200);
    }

    @Test
    void rejectsTooLongNameAsProblem() {
        given().queryParam("name", "x".repeat(65))
                .when().get("/api/v1/hello")
                .then().statusCode(400)
                .contentType(Problem.MEDIA_TYPE)
                .body("type", equalTo("urn:weft:problem:invalid-parameter"))
                .body("status", equalTo(400))
                .body("instance", equalTo("/api/v1/hello"))
                .body("detail", containsString("64"));
    }

    @Test
    void rejectsControlCharacters() {
        given().urlEncodingEnabled(true).queryParam("name", "a\u0007b")
                .when().get("/api/v1/hello")
                .then().statusCode(400).contentType(Problem.MEDIA_TYPE)
                .body("detail", not(containsString("Exception")));
    }

    @Test
    void rejectsPercentEncodedBytesThatAreNotUtf8() {
        // %FF%FE is not UTF-8; %ED%A0%80 is an encoded lone surrogate. Both must not pass as U+FFFD.
        for (String raw : new String[] {"%FF%FE", "%ED%A0%80", "%C3"}) {
            given().urlEncodingEnabled(false)
                    .when().get("/api/v1/hello?name=" + raw)
                    .then().statusCode(400).contentType(Problem.MEDIA_TYPE);
        }
    }

    @Test
    void acceptsPercentEncodedUtf8() {
        given().urlEncodingEnabled(false)
                .when().get("/api/v1/hello?name=Ren%C3%A9e")
                .then().statusCode(200).body("message", equalTo("Hello, Renée!"));
    }

    @Test
    void utf8CheckRejectsBrokenEscapes() {
        org.junit.jupiter.api.Assertions.assertFalse(HelloRoutes.isUtf8("%zz"));
        org.junit.jupiter.api.Assertions.assertFalse(HelloRoutes.isUtf8("ab%C"));
        org.junit.jupiter.api.Assertions.assertTrue(HelloRoutes.isUtf8("plain%20text"));
    }
}
