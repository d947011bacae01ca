-- The workers' listener sessions, and the tiers each serves: a worker shares out the executions a
-- PENDING notification counts among the live listeners of the tier, so that each new execution
-- wakes one worker rather than all of them. A row is live while its session is: readers join
-- pg_stat_activity on pid and backend start (a pid may be reused), so a worker that died leaves
-- nothing they count, and the next registration deletes its row.
create table worker_listeners (
    pid           integer     not null,
    backend_start timestamptz not null,
    worker_id     text        not null,
    tiers         text[]      not null,
    primary key (pid, backend_start)
);
