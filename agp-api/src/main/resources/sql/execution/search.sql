-- The executions of one query_id (and hash, when given) in some statuses that :viewer may read
-- (created or joined; all when :viewer is null: an admin), in the order that
-- ExecutionQueries.SearchOrder puts in place of ORDER_BY (a fixed fragment, never user text).
select *
from execution_summaries e
where query_id = :queryId
  and (cast(:queryHash as text) is null or query_hash = :queryHash)
  and status = any (string_to_array(:statuses, ','))
  and (cast(:viewer as text) is null
       or created_by = :viewer
       or exists (select 1
                  from execution_readers r
                  where r.execution_id = e.id
                    and r.user_name = :viewer))
order by ORDER_BY
limit :limit
