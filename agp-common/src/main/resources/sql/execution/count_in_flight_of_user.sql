-- A user's PENDING and RUNNING executions of a tier, against the tier's max-pending-per-user.
select count(*)
from executions
where tier = :tier
  and created_by = :user
  and status in ('PENDING', 'RUNNING')
