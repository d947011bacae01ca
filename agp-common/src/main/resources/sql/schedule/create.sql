-- A new schedule; its id.
insert into schedules (owner, name, query_id, query_hash, sql, format, tier, parameters, labels,
                       share_key, quota_key, every_seconds, cron, paused, next_run_at)
values (:owner, cast(:name as text), :queryId, :queryHash, :sql, :format, :tier,
        cast(:parameters as jsonb), cast(:labels as jsonb), :shareKey, cast(:quotaKey as text),
        cast(:everySeconds as bigint), cast(:cron as text), :paused, :nextRunAt)
returning id
