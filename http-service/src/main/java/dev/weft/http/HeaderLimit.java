package dev.weft.http;

import io.helidon.http.Header;
import io.helidon.http.Headers;
import io.helidon.http.Status;

/**
 * The request header size limit, answered 431 (RFC 6585) by {@link RequestFilter}.
 *
 * <p>Why here and not in Helidon's parser: when Helidon 4.5's HTTP/1 parser meets headers over its
 * own limit it fails with a generic internal error before routing, and tells a direct handler
 * neither why nor for which request, so "too large" cannot be told from "malformed". Helidon's
 * limit is therefore set to {@link #PARSER_LIMIT_BYTES}, a backstop well above {@link #MAX_BYTES},
 * and this limit is checked once the headers are parsed. Headers over the backstop are refused by
 * the parser as malformed (400).
 */
final class HeaderLimit {

    /** Most bytes of request headers (names, values, separators and line ends), as Helidon's default. */
    static final int MAX_BYTES = 16 * 1024;
    /** Helidon's own parser limit: a backstop against a client streaming headers without end. */
    static final int PARSER_LIMIT_BYTES = 4 * MAX_BYTES;

    /** 431 Request Header Fields Too Large (RFC 6585), which Helidon's Status has no constant for. */
    static final Status STATUS = Status.create(431, "Request Header Fields Too Large");

    private HeaderLimit() {
    }

    /** Whether {@code headers}, as written on the wire ({@code Name: value\r\n} each), exceed {@link #MAX_BYTES}. */
    static boolean exceeded(Headers headers) {
        long size = 0;
        for (Header h : headers) {
            for (String value : h.allValues()) {
                size += h.name().length() + 2 + value.length() + 2;
            }
        }
        return size > MAX_BYTES;
    }
}
