-- ClickHouse's figures of several interactive queries, as system.query_log tells them; row i of
-- the arrays is one event's. Only events still awaiting them change: two bookkeepers write the
-- same. The bytes the client was given stay the API's.
update usage_events e
set read_rows         = s.read_rows,
    read_bytes        = s.read_bytes,
    peak_memory_bytes = s.peak_memory_bytes,
    server_ms         = s.server_ms,
    awaits_query_log  = false
from unnest(cast(:ids as bigint[]), cast(:readRows as bigint[]), cast(:readBytes as bigint[]),
            cast(:peakMemoryBytes as bigint[]), cast(:serverMillis as bigint[]))
         as s (id, read_rows, read_bytes, peak_memory_bytes, server_ms)
where e.id = s.id
  and e.awaits_query_log
