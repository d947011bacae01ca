-- A new PENDING execution, or, when one of the same tier, share key and query_id is in flight with
-- the same hash, that one with its collapse counter raised; a caller who collapses onto another
-- user's execution becomes one of its readers. Returns nothing when the in-flight one has another
-- hash. Only the insert sets a callback URL: a create that collapses adds no callback of its own.
-- A create that waits for the outcome marks the execution watched (see watch.sql), in the same
-- statement, so that no later statement has to lock the row a worker may be claiming.
with upserted as (
    insert into executions (query_id, query_hash, name, sql, format, tier, created_by, labels,
                            parameters, priority, max_attempts, share_key, quota_key,
                            callback_url, callback_state, watched)
    values (:queryId, :queryHash, cast(:name as text), :sql, :format, :tier, :createdBy,
            cast(:labels as jsonb),
            cast(:parameters as jsonb), :priority, :maxAttempts, :shareKey, :quotaKey,
            cast(:callbackUrl as text),
            case when cast(:callbackUrl as text) is null then null else 'waiting' end, :watched)
    on conflict (tier, share_key, query_id) where status in ('PENDING', 'RUNNING')
    do update set collapsed_count = executions.collapsed_count + 1,
                  updated_at = now(),
                  watched = executions.watched or excluded.watched
        where executions.query_hash = excluded.query_hash
    returning *),
joined as (
    insert into execution_readers (execution_id, user_name, execution_created_at, joined_by)
    select id, :createdBy, created_at, 'collapse'
    from upserted
    where collapsed_count > 0 and created_by <> :createdBy
    on conflict do nothing)
select * from upserted
