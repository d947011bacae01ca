-- Pauses or resumes a schedule if :owner made it (any, when null). A resume sets the next run
-- (:nextRunAt); a pause keeps it, unused until the resume. Returns the id, nothing when there is no
-- such schedule.
update schedules
set paused      = :paused,
    next_run_at = coalesce(cast(:nextRunAt as timestamptz), next_run_at),
    updated_at  = now()
where id = :id
  and (cast(:owner as text) is null or owner = :owner)
returning id
