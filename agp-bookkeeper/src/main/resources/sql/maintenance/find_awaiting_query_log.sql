-- Ended executions whose figures are to be looked up in system.query_log, oldest first.
select id, tier, attempt, picked_at, completed_at
from executions
where stats_await_query_log
order by completed_at
limit :limit
