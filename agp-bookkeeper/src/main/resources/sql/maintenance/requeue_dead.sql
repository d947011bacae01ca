-- RUNNING executions whose lease passed (database time): back to PENDING for another attempt, or
-- FAILED once the attempts are used up. The outer conditions are checked again on the locked row,
-- so a worker that completes at this instant is never overwritten.
with dead as (select id
              from executions
              where status = 'RUNNING'
                and lease_expires_at < now()
              order by lease_expires_at
              limit :limit
              for update skip locked)
update executions e
set status           = case when e.attempt >= e.max_attempts then 'FAILED' else 'PENDING' end,
    attempt_errors   = e.attempt_errors || jsonb_build_array(
        'attempt ' || e.attempt || ': worker ' || coalesce(e.worker_id, 'unknown') || ' lost its lease'),
    -- Once failed, the error tells every attempt's reason in order, as fail.sql does.
    error            = case
                           when e.attempt >= e.max_attempts
                               then 'worker lost: gave up after ' || e.attempt || ' attempts: '
                                        || (select string_agg(reason, '; ' order by n)
                                            from jsonb_array_elements_text(e.attempt_errors
                                                || jsonb_build_array('attempt ' || e.attempt || ': worker '
                                                    || coalesce(e.worker_id, 'unknown') || ' lost its lease'))
                                                with ordinality as reasons(reason, n))
                           else 'attempt ' || e.attempt || ': worker '
                                    || coalesce(e.worker_id, 'unknown') || ' lost its lease'
                       end,
    completed_at     = case when e.attempt >= e.max_attempts then now() end,
    parameters       = case when e.attempt >= e.max_attempts then null else e.parameters end,
    worker_id        = null,
    lease_expires_at = null,
    run_after        = now(),
    updated_at       = now()
from dead
where e.id = dead.id
  and e.status = 'RUNNING'
  and e.lease_expires_at < now()
returning e.id, e.tier, e.attempt, e.status
