-- An execution, if :viewer may read it: its creator or a user who joined it (collapse or reuse);
-- an admin reads through get.sql. The check lives here, in the statement that fetches the row, so
-- that no code path can read another user's execution by forgetting a filter.
select e.*
from executions e
where e.id = :id
  and (e.created_by = :viewer
       or exists (select 1
                  from execution_readers r
                  where r.execution_id = e.id
                    and r.user_name = :viewer))
