-- Who joined an execution besides its creator, first comer first (shown to admins).
select user_name
from execution_readers
where execution_id = :id
order by joined_at, user_name
