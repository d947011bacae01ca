-- Executions whose figures are no longer looked up in system.query_log: those ended longer than
-- :afterMillis ago (the server does not log queries, or has lost them), and those of :ids (their
-- tier no longer reads the query log). They keep the figures they have.
update executions
set stats_await_query_log = false
where stats_await_query_log
  and (completed_at < now() - :afterMillis * interval '1 millisecond'
       or id = any (cast(:ids as bigint[])))
