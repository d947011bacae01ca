-- Interactive queries whose figures are to be looked up in system.query_log, oldest first, with
-- when they ended (by the database's clock).
select id, tier, query_id, at
from usage_awaiting_query_log
order by id
limit :limit
