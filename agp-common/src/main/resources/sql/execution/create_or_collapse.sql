-- A new PENDING execution, or, when one of the same query_id is in flight with the same hash, that
-- one with its collapse counter raised. Returns nothing when the in-flight one has another hash.
insert into executions (query_id, query_hash, sql, format, tier, created_by, labels, parameters,
                        priority, max_attempts)
values (:queryId, :queryHash, :sql, :format, :tier, :createdBy, cast(:labels as jsonb),
        cast(:parameters as jsonb), :priority, :maxAttempts)
on conflict (query_id) where status in ('PENDING', 'RUNNING')
do update set collapsed_count = executions.collapsed_count + 1,
              updated_at = now()
    where executions.query_hash = excluded.query_hash
returning *
