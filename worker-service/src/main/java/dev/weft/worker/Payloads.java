package dev.weft.worker;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;

/** Checks on submitted payloads that hold for every job type and every store. */
final class Payloads {

    private Payloads() {
    }

    /**
     * Whether any string value or field name in {@code node} contains U+0000. Iterative, so a
     * deeply nested payload (Jackson allows 1,000 levels) cannot overflow the stack.
     */
    static boolean containsNul(JsonNode node) {
        Deque<JsonNode> todo = new ArrayDeque<>();
        todo.push(node);
        while (!todo.isEmpty()) {
            JsonNode n = todo.pop();
            if (n.isTextual() && n.textValue().indexOf('\0') >= 0) {
                return true;
            }
            if (n.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = n.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    if (e.getKey().indexOf('\0') >= 0) {
                        return true;
                    }
                    todo.push(e.getValue());
                }
            } else if (n.isArray()) {
                n.forEach(todo::push);
            }
        }
        return false;
    }
}
