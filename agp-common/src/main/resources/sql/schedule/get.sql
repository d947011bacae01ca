-- A schedule with the status of its last run's execution, if :owner made it (any, when null).
select s.*, e.status as last_status
from schedules s
left join executions e on e.id = s.last_execution_id
where s.id = :id
  and (cast(:owner as text) is null or s.owner = :owner)
