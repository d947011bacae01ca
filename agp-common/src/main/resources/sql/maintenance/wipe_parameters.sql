-- Wipes the parameters (values passed to ClickHouse, possibly secret) of ended executions that
-- still hold them, in a bounded batch. Idempotent: two bookkeepers wipe the same rows harmlessly.
update executions
set parameters = null
where id in (select id
             from executions
             where parameters is not null
               and status not in ('PENDING', 'RUNNING')
             limit :limit)
