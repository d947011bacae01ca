-- Replaces what a schedule runs and when, if :owner made it (any, when null); its runs so far stay
-- recorded. Returns its id, nothing when there is no such schedule.
update schedules
set name          = cast(:name as text),
    query_id      = :queryId,
    query_hash    = :queryHash,
    sql           = :sql,
    format        = :format,
    tier          = :tier,
    parameters    = cast(:parameters as jsonb),
    labels        = cast(:labels as jsonb),
    share_key     = :shareKey,
    quota_key     = cast(:quotaKey as text),
    every_seconds = cast(:everySeconds as bigint),
    cron          = cast(:cron as text),
    paused        = :paused,
    next_run_at   = :nextRunAt,
    updated_at    = now()
where id = :id
  and (cast(:owner as text) is null or owner = :owner)
returning id
