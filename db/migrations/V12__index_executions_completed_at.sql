-- count_ended_per_minute.sql: the executions that ended in the last hour, by tier and outcome,
-- read from the index alone.
create index executions_completed_at_idx
    on executions (completed_at)
    include (tier, status)
    where completed_at is not null;
