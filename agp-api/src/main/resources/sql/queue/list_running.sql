-- The queues page: the RUNNING executions of every tier, longest running first, at most :limit,
-- with their users and progress. Reads executions_lease_idx, whose rows are the RUNNING executions
-- only (as many as the workers' slots).
select id, tier, created_by, query_id, attempt, picked_at,
       cast(extract(epoch from now() - picked_at) * 1000 as bigint) as running_ms,
       progress_rows, progress_total_rows
from executions
where status = 'RUNNING'
order by picked_at, id
limit :limit
