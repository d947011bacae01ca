-- Interactive queries whose figures are no longer looked up in system.query_log: those that ended
-- longer than :afterMillis ago (the server does not log queries, or has lost them), and those of
-- :ids (their tier no longer reads the query log). They keep the figures of their answer, and the
-- next rollup counts them.
update usage_events
set awaits_query_log = false
where awaits_query_log
  and (at < now() - :afterMillis * interval '1 millisecond'
       or id = any (cast(:ids as bigint[])))
