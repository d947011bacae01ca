-- The queues page: per tier, PENDING and RUNNING counts and the age of the oldest PENDING
-- execution (in milliseconds, null when none waits). Reads executions_in_flight_by_user_idx, whose
-- rows are the in-flight executions only.
select tier,
       count(*) filter (where status = 'PENDING') as pending,
       count(*) filter (where status = 'RUNNING') as running,
       cast(extract(epoch from now() - min(created_at) filter (where status = 'PENDING')) * 1000
            as bigint)                            as oldest_pending_ms
from executions
where status in ('PENDING', 'RUNNING')
group by tier
