-- ClickHouse's figures of several ended queries, as system.query_log tells them; row i of the
-- arrays is one execution's. Only rows still awaiting them change: two bookkeepers write the same.
update executions e
set stats_read_rows         = s.read_rows,
    stats_read_bytes        = s.read_bytes,
    stats_peak_memory_bytes = s.peak_memory_bytes,
    stats_elapsed_ms        = s.elapsed_ms,
    stats_source            = 'query_log',
    stats_await_query_log   = false
from unnest(cast(:ids as bigint[]), cast(:attempts as integer[]), cast(:readRows as bigint[]),
            cast(:readBytes as bigint[]), cast(:peakMemoryBytes as bigint[]),
            cast(:elapsedMillis as bigint[]))
         as s (id, attempt, read_rows, read_bytes, peak_memory_bytes, elapsed_ms)
where e.id = s.id
  and e.attempt = s.attempt
  and e.stats_await_query_log
