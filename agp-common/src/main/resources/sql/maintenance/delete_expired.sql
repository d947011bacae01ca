-- Deletes EXPIRED rows past the history retention, oldest first, in a bounded batch; rows
-- another bookkeeper holds are skipped.
delete
from executions
where id in (select id
             from executions
             where status = 'EXPIRED'
               and updated_at < now() - :retentionMillis * interval '1 millisecond'
             order by updated_at
             limit :limit
             for update skip locked)
