-- Moves into the usage journal, with the figures their answers gave, the interactive queries no
-- longer looked up in system.query_log: those that ended longer than :afterMillis ago (the server
-- does not log queries, or has lost them), and those of :ids (their tier no longer reads the
-- query log).
with given_up as (
    delete from usage_awaiting_query_log
    where at < now() - :afterMillis * interval '1 millisecond'
       or id = any (cast(:ids as bigint[]))
    returning at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes, server_ms,
              peak_memory_bytes)
insert into usage_events (at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes,
                          server_ms, peak_memory_bytes)
select at, tier, owner, kind, outcome, read_rows, read_bytes, result_bytes, server_ms,
       peak_memory_bytes
from given_up
