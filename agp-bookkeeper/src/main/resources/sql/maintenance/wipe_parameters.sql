-- Wipes the parameters (values passed to ClickHouse, possibly secret) of ended executions that
-- still hold them, in a bounded batch. Idempotent: two bookkeepers wipe the same rows harmlessly.
-- The batch is chosen once (materialized): as "id in (subquery with limit)" the planner may run
-- the subquery again for each row and take more than :limit.
with batch as materialized (
    select id
    from executions
    where parameters is not null
      and status not in ('PENDING', 'RUNNING')
    limit :limit)
update executions
set parameters = null
where id in (select id from batch)
