package io.agp.results;

import java.time.Instant;

/**
 * An upload that was started and neither committed nor aborted: one in progress, or the leftover of
 * a worker that died in the middle (a partial file, an S3 multipart upload with its parts).
 *
 * @param key the key it was writing
 * @param handle what names it in its store (the partial file, the multipart upload id)
 * @param lastActive when it was last written to (a partial file) or started (a multipart upload)
 */
public record UnfinishedUpload(String key, String handle, Instant lastActive) {}
