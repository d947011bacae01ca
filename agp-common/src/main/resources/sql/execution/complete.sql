-- Ends an attempt SUCCEEDED with its stored result and ClickHouse's figures of the query (when
-- there are some), fenced: only while the attempt still owns the row (same attempt, still
-- RUNNING). Zero rows means it lost the execution (canceled, requeued), and the worker deletes
-- the object it stored. A small result comes as :inline, its bytes, and then has no object (V20).
-- Parameters are wiped as the execution ends. Returns the row: when it is watched, its change is
-- announced, with the row itself for the apps of the worker's process.
update executions
set status                  = 'SUCCEEDED',
    completed_at            = now(),
    updated_at              = now(),
    lease_expires_at        = null,
    parameters              = null,
    result_key              = :key,
    result_inline           = :inline,
    result_rows             = :rows,
    result_bytes            = :bytes,
    result_columns          = cast(:columns as jsonb),
    result_compression      = :compression,
    result_duration_ms      = :durationMillis,
    expires_at              = now() + :ttlMillis * interval '1 millisecond',
    stats_read_rows         = :statsReadRows,
    stats_read_bytes        = :statsReadBytes,
    stats_peak_memory_bytes = :statsPeakMemoryBytes,
    stats_elapsed_ms        = :statsElapsedMillis,
    stats_source            = :statsSource,
    stats_await_query_log   = :awaitQueryLog
where id = :id and attempt = :attempt and status = 'RUNNING'
returning *
