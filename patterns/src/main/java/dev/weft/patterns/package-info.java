/** Go's concurrency patterns on Java virtual threads. */
package dev.weft.patterns;
