-- Deletes EXPIRED rows past the history retention, oldest first, in a bounded batch; rows
-- another bookkeeper holds are skipped.
-- The batch is chosen once (materialized): as "id in (subquery with limit)" the planner may run
-- the subquery again for each row and take more than :limit.
with batch as materialized (
    select id
    from executions
    where status = 'EXPIRED'
      and updated_at < now() - :retentionMillis * interval '1 millisecond'
    order by updated_at
    limit :limit
    for update skip locked)
delete
from executions
where id in (select id from batch)
