-- FAILED and CANCELED executions past their retention become EXPIRED, oldest first, in a
-- bounded batch; rows another bookkeeper holds are skipped.
-- The batch is chosen once (materialized): as "id in (subquery with limit)" the planner may run
-- the subquery again for each row and take more than :limit.
with batch as materialized (
    select id
    from executions
    where status in ('FAILED', 'CANCELED')
      and completed_at < now() - :retentionMillis * interval '1 millisecond'
    order by completed_at
    limit :limit
    for update skip locked)
update executions
set status = 'EXPIRED', updated_at = now()
where id in (select id from batch)
