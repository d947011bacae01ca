-- Gauges per tier: PENDING and RUNNING counts, and the age of the oldest PENDING execution.
select tier,
       count(*) filter (where status = 'PENDING')                                  as pending,
       count(*) filter (where status = 'RUNNING')                                  as running,
       coalesce(extract(epoch from now() - min(created_at) filter (where status = 'PENDING')), 0)
                                                                                   as oldest_pending_seconds
from executions
where status in ('PENDING', 'RUNNING')
group by tier
