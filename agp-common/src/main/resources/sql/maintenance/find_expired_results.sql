select id, result_key
from executions
where status = 'SUCCEEDED'
  and expires_at < now()
order by expires_at
limit :limit
