-- Records a user who reused another user's result as one of its readers.
insert into execution_readers (execution_id, user_name, execution_created_at, joined_by)
select id, :user, created_at, :joinedBy
from executions
where id = :id
  and created_by <> :user
on conflict do nothing
