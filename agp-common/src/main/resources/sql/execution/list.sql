-- A page of executions, newest first, after the keyset cursor (:cursorCreatedAt, :cursorId) when
-- there is one. Every filter is optional: a null parameter lets every row through; :statuses is a
-- comma-separated list and :labels a JSON object the row's labels must contain.
select *
from executions
where (cast(:queryId as text) is null or query_id = :queryId)
  and (cast(:statuses as text) is null or status = any (string_to_array(:statuses, ',')))
  and (cast(:tier as text) is null or tier = :tier)
  and (cast(:createdBy as text) is null or created_by = :createdBy)
  and (cast(:createdAfter as timestamptz) is null or created_at >= :createdAfter)
  and (cast(:createdBefore as timestamptz) is null or created_at < :createdBefore)
  and labels @> cast(:labels as jsonb)
  and (cast(:cursorCreatedAt as timestamptz) is null
       or (created_at, id) < (cast(:cursorCreatedAt as timestamptz), cast(:cursorId as bigint)))
order by created_at desc, id desc
limit :limit
