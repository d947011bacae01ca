-- Of these executions, the ones RUNNING now, with their attempt: an unfinished upload of another
-- attempt (or of an execution not RUNNING) has no worker left to finish it.
select id, attempt
from executions
where id = any (:ids)
  and status = 'RUNNING'
