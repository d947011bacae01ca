-- Schedules: a query the bookkeeper runs again and again (every so many seconds, or on a cron
-- expression) under a stable query_id, so that a dashboard asking for that query with max_age finds
-- a fresh result at once (io.agp.refresh). A schedule belongs to the user who made it; its
-- executions are created as theirs, through the same statement as the API's creates.
create table schedules (
    id                bigint generated always as identity primary key,
    owner             text        not null,
    name              text,
    -- What each run creates, as a create of the owner's would: the normalized SQL, its hash (the
    -- executions' query_hash), the query_id the runs share, the share key and quota key the owner's
    -- creates get. Parameters are kept while the schedule lives (its runs need them) and never shown.
    query_id          text        not null,
    query_hash        text        not null,
    sql               text        not null,
    format            text        not null,
    tier              text        not null,
    parameters        jsonb,
    labels            jsonb       not null default '{}',
    share_key         text        not null,
    quota_key         text,
    -- Exactly one of the two: a fixed interval, or a cron expression (Spring's six fields, UTC).
    every_seconds     bigint,
    cron              text,
    paused            boolean     not null default false,
    -- When the next run is due; the bookkeeper that moves it on is the one that creates the run.
    next_run_at       timestamptz not null,
    last_run_at       timestamptz,
    -- The execution the last run created or found in flight (no foreign key: executions are deleted
    -- after their retention while the schedule goes on).
    last_execution_id bigint,
    -- created, in_flight (the previous run was still going), refused (the tier's policy, the
    -- tier's cap, a conflicting query_id), with the reason of a refusal in last_error.
    last_outcome      text,
    last_error        text,
    created_at        timestamptz not null default now(),
    updated_at        timestamptz not null default now(),
    constraint schedules_cadence_check check ((every_seconds is null) <> (cron is null)),
    constraint schedules_every_check check (every_seconds is null or every_seconds > 0),
    constraint schedules_last_outcome_check
        check (last_outcome in ('created', 'in_flight', 'refused'))
);

-- Serves claim_due.sql: the due schedules, oldest due first, paused ones left out.
create index schedules_due on schedules (next_run_at) where not paused;

-- Serves list.sql and count_of_owner.sql: a user's schedules, newest first.
create index schedules_owner on schedules (owner, id desc);
