-- The queues page: the executions that ended in the last :minutes minutes (the current one
-- included), per tier, minute and outcome. Reads executions_completed_at_idx from the window's
-- start on: its cost follows what ended in the window, not the table. An execution whose result
-- expired within the window is no longer counted (its row says EXPIRED).
select tier,
       date_trunc('minute', completed_at)         as minute,
       count(*) filter (where status = 'SUCCEEDED') as succeeded,
       count(*) filter (where status = 'FAILED')    as failed,
       count(*) filter (where status = 'CANCELED')  as canceled
from executions
where completed_at >= date_trunc('minute', now()) - (:minutes - 1) * interval '1 minute'
  and status in ('SUCCEEDED', 'FAILED', 'CANCELED')
group by tier, minute
order by tier, minute
