-- SUCCEEDED executions whose result has passed its expiry, oldest first: their objects are
-- deleted, then expire_results.sql marks them EXPIRED.
select id, result_key
from executions
where status = 'SUCCEEDED'
  and expires_at < now()
order by expires_at
limit :limit
