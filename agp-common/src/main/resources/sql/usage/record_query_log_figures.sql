-- Moves interactive queries into the usage journal with ClickHouse's figures as system.query_log
-- tells them (row i of the arrays is one query's), keeping the bytes the API passed on. A query
-- moves once: a second bookkeeper recording the same finds it gone.
with found as (
    delete from usage_awaiting_query_log a
    using unnest(cast(:ids as bigint[]), cast(:readRows as bigint[]), cast(:readBytes as bigint[]),
                 cast(:peakMemoryBytes as bigint[]), cast(:serverMillis as bigint[]))
              as s (id, read_rows, read_bytes, peak_memory_bytes, server_ms)
    where a.id = s.id
    returning a.at, a.tier, a.owner, a.kind, a.outcome, s.read_rows, s.read_bytes, a.result_bytes,
              s.server_ms, s.peak_memory_bytes)
insert into usage_events (at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes,
                          server_ms, peak_memory_bytes)
select at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes, server_ms,
       peak_memory_bytes
from found
