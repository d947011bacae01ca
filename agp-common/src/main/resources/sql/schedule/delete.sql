-- Deletes a schedule if :owner made it (any, when null); its executions stay.
delete from schedules
where id = :id
  and (cast(:owner as text) is null or owner = :owner)
