-- The one table AGP keeps: an execution of a SQL query, from creation to expiry.

create table executions (
    id                   bigint generated always as identity primary key,
    query_id             text        not null,
    query_hash           text        not null,
    sql                  text        not null,
    format               text        not null default 'JSON',
    tier                 text        not null default 'default',
    created_by           text        not null,
    labels               jsonb       not null default '{}',
    -- Values passed to ClickHouse with the query; wiped as soon as the execution ends.
    parameters           jsonb,
    priority             integer     not null default 0,
    status               text        not null default 'PENDING',
    -- Incremented by each claim, so that every later write of a worker can be fenced by it.
    attempt              integer     not null default 0,
    max_attempts         integer     not null default 3,
    collapsed_count      integer     not null default 0,
    created_at           timestamptz not null default now(),
    updated_at           timestamptz not null default now(),
    -- A requeued execution is not claimed again before this instant (retry backoff).
    run_after            timestamptz not null default now(),
    picked_at            timestamptz,
    completed_at         timestamptz,
    worker_id            text,
    lease_expires_at     timestamptz,
    progress_rows        bigint,
    progress_bytes       bigint,
    progress_total_rows  bigint,
    progress_elapsed_ms  bigint,
    progress_memory_bytes bigint,
    result_key           text,
    result_rows          bigint,
    result_bytes         bigint,
    result_columns       jsonb,
    result_compression   text,
    result_duration_ms   bigint,
    expires_at           timestamptz,
    error                text,
    constraint executions_status_check
        check (status in ('PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'EXPIRED')),
    constraint executions_attempt_check check (attempt >= 0 and max_attempts >= 1),
    constraint executions_running_has_lease_check
        check (status <> 'RUNNING' or (worker_id is not null and lease_expires_at is not null))
);

-- create_or_collapse.sql: at most one in-flight execution per query_id; the conflict target of the insert.
create unique index executions_in_flight_query_id_key
    on executions (query_id)
    where status in ('PENDING', 'RUNNING');

-- claim.sql: the next PENDING executions of a tier, priority then age.
create index executions_claim_idx
    on executions (tier, priority desc, created_at, id)
    where status = 'PENDING';

-- requeue_dead.sql: RUNNING executions whose lease has passed.
create index executions_lease_idx
    on executions (lease_expires_at)
    where status = 'RUNNING';

-- Listing and searching past executions of a query_id, newest first.
create index executions_query_id_idx
    on executions (query_id, created_at desc, id desc);

-- Listing a user's executions, newest first.
create index executions_created_by_idx
    on executions (created_by, created_at desc, id desc);

-- The allowed life cycle. Kept equal to ExecutionStatus#canBecome by a test.
create function executions_check_transition() returns trigger
    language plpgsql as
$$
begin
    if new.status = old.status then
        return new;
    end if;
    if (old.status, new.status) in (
        ('PENDING', 'RUNNING'),
        ('PENDING', 'CANCELED'),
        ('RUNNING', 'SUCCEEDED'),
        ('RUNNING', 'FAILED'),
        ('RUNNING', 'CANCELED'),
        ('RUNNING', 'PENDING'),
        ('SUCCEEDED', 'EXPIRED'),
        ('FAILED', 'EXPIRED'),
        ('CANCELED', 'EXPIRED')
    ) then
        return new;
    end if;
    raise exception 'execution %: status % cannot become %', old.id, old.status, new.status
        using errcode = 'check_violation', constraint = 'executions_status_transition';
end;
$$;

create trigger executions_check_transition
    before update of status on executions
    for each row execute function executions_check_transition();

-- Workers LISTEN on this channel to claim a new execution within milliseconds; they poll as well.
create function executions_notify_pending() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('agp_execution_pending', new.tier);
    return null;
end;
$$;

create trigger executions_notify_pending_on_insert
    after insert on executions
    for each row when (new.status = 'PENDING')
    execute function executions_notify_pending();

create trigger executions_notify_pending_on_update
    after update of status on executions
    for each row when (new.status = 'PENDING' and old.status <> 'PENDING')
    execute function executions_notify_pending();
