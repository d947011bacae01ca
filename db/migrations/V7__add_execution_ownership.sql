-- Executions belong to their creator. Who may share one in flight is decided by its share key:
-- the creator with agp.api.share-scope=user, '' (every user of the tier) with share-scope=tier.
alter table executions
    add column share_key text not null default '';

-- The ClickHouse quota key of the creator's token (its quota_key claim), when it had one; sent
-- instead of the creator's name where the tier sends quota keys.
alter table executions
    add column quota_key text;

-- create_or_collapse.sql, find_in_flight.sql, cancel_in_flight.sql: at most one in-flight
-- execution per tier, share key and query_id; the conflict target of the insert. Two users' query
-- ids never meet unless their share key is the same.
create unique index executions_in_flight_key
    on executions (tier, share_key, query_id)
    where status in ('PENDING', 'RUNNING');

drop index executions_in_flight_query_id_key;

-- count_in_flight_of_user.sql: a user's PENDING and RUNNING executions of a tier, counted
-- against the tier's max-pending-per-user.
create index executions_in_flight_by_user_idx
    on executions (tier, created_by)
    where status in ('PENDING', 'RUNNING');

-- Users who joined an execution they did not create, by collapsing onto it or reusing its
-- result: they may read it and download its result for as long as it exists.
create table execution_readers (
    execution_id         bigint      not null references executions (id) on delete cascade,
    user_name            text        not null,
    -- The execution's created_at, so that a reader's list pages with the same keyset as the
    -- creator's without reading every execution the reader joined.
    execution_created_at timestamptz not null,
    joined_at            timestamptz not null default now(),
    joined_by            text        not null,
    primary key (execution_id, user_name),
    constraint execution_readers_joined_by_check check (joined_by in ('collapse', 'reuse'))
);

-- list.sql: the executions a user joined, newest first, from a keyset cursor.
create index execution_readers_user_idx
    on execution_readers (user_name, execution_created_at desc, execution_id desc);

-- list.sql and search.sql: executions as pages of many show them, without their parameters and
-- with only the start of their SQL: 4,097 characters, one more than the 4 KiB the API shows, so
-- that it can tell a cut text from one of exactly 4 KiB. A statement of a megabyte stays in the
-- database instead of filling a page (get.sql returns it whole). Recreate this view when
-- executions gains a column that ExecutionRepository maps.
create view execution_summaries as
select id, query_id, query_hash, left(sql, 4097) as sql, format, tier, created_by, labels,
       priority, status, attempt, max_attempts, collapsed_count, created_at, updated_at,
       run_after, picked_at, completed_at, worker_id, lease_expires_at, progress_rows,
       progress_bytes, progress_total_rows, progress_elapsed_ms, progress_memory_bytes,
       result_key, result_rows, result_bytes, result_columns, result_compression,
       result_duration_ms, expires_at, error, attempt_errors, share_key, quota_key
from executions;
