-- A page of executions, newest first, after the keyset cursor (:cursorCreatedAt, :cursorId) when
-- there is one. Every filter is optional: a null parameter lets every row through; :statuses is a
-- comma-separated list and :labels a JSON object the row's labels must contain.
-- :viewer (null for an admin) sees the executions they created and those they joined; each half
-- reads its own index newest first and stops at :limit, and the page is the newest of both. A
-- joined execution is shown without its creator, name and labels, so a filter by any of them never
-- matches one: it would tell what is not shown.
with created as (
    select *
    from execution_summaries
    where (cast(:viewer as text) is null or created_by = :viewer)
      and (cast(:queryId as text) is null or query_id = :queryId)
      and (cast(:statuses as text) is null or status = any (string_to_array(:statuses, ',')))
      and (cast(:tier as text) is null or tier = :tier)
      and (cast(:createdBy as text) is null or created_by = :createdBy)
      and (cast(:name as text) is null or name = :name)
      and (cast(:createdAfter as timestamptz) is null or created_at >= :createdAfter)
      and (cast(:createdBefore as timestamptz) is null or created_at < :createdBefore)
      and labels @> cast(:labels as jsonb)
      and (cast(:cursorCreatedAt as timestamptz) is null
           or (created_at, id) < (cast(:cursorCreatedAt as timestamptz), cast(:cursorId as bigint)))
    order by created_at desc, id desc
    limit :limit),
joined as (
    select e.*
    from execution_readers r
    join execution_summaries e on e.id = r.execution_id
    where cast(:viewer as text) is not null
      and r.user_name = :viewer
      and (cast(:cursorCreatedAt as timestamptz) is null
           or (r.execution_created_at, r.execution_id)
                  < (cast(:cursorCreatedAt as timestamptz), cast(:cursorId as bigint)))
      and (cast(:queryId as text) is null or e.query_id = :queryId)
      and (cast(:statuses as text) is null or e.status = any (string_to_array(:statuses, ',')))
      and (cast(:tier as text) is null or e.tier = :tier)
      and cast(:createdBy as text) is null
      and cast(:name as text) is null
      and (cast(:createdAfter as timestamptz) is null or e.created_at >= :createdAfter)
      and (cast(:createdBefore as timestamptz) is null or e.created_at < :createdBefore)
      and cast(:labels as jsonb) = '{}'::jsonb
    order by r.execution_created_at desc, r.execution_id desc
    limit :limit)
select *
from (select * from created union all select * from joined) page
order by created_at desc, id desc
limit :limit
