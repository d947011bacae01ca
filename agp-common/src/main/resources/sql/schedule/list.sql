-- A page of the schedules :owner made (every schedule, when null), newest first, below the id
-- :before; with the status of each last run's execution.
select s.*, e.status as last_status
from schedules s
left join executions e on e.id = s.last_execution_id
where (cast(:owner as text) is null or s.owner = :owner)
  and s.id < :before
order by s.id desc
limit :limit
