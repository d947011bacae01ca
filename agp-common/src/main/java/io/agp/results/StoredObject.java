package io.agp.results;

import java.time.Instant;

/** A committed object as listed by {@link ResultStore#list}. */
public record StoredObject(String key, long size, Instant lastModified) {}
