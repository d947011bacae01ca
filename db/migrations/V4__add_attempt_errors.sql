-- The reason each attempt of an execution ended without a result (a transient failure that
-- requeued it, the failure that ended it), oldest first, so that a FAILED execution tells the
-- whole story and not only its last attempt.
alter table executions
    add column attempt_errors jsonb not null default '[]';

-- claim.sql: the RUNNING executions of one user in one tier, counted against the tier's
-- per-user limit.
create index executions_running_by_user_idx
    on executions (tier, created_by)
    where status = 'RUNNING';
