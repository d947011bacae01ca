-- SUCCEEDED executions whose result has passed its expiry, oldest first: their objects are
-- deleted (a result kept in its row has none), then expire_results.sql marks them EXPIRED.
select id, result_key, result_inline is not null as in_row
from executions
where status = 'SUCCEEDED'
  and expires_at < now()
order by expires_at
limit :limit
