-- Completion callbacks. A create may name a callback URL; when the execution ends (SUCCEEDED,
-- FAILED, CANCELED) the bookkeeper POSTs the execution's JSON there, signed, and tries again with
-- a growing delay until a 2xx answers or the callback is too old (io.agp.bookkeeper.callbacks).
-- The delivery state lives on the execution it reports on: its creator's get shows it, and it goes
-- when the execution's row does.
alter table executions
    -- Set by the create that made the execution; a create that collapses onto it changes nothing.
    add column callback_url             text,
    -- waiting: the execution is in flight; pending: to be sent (again); delivered: a 2xx answered;
    -- failed: given up. Null without a callback URL.
    add column callback_state           text,
    add column callback_attempts        integer not null default 0,
    -- When the execution ended and its callback was queued: retries stop a max-age after this.
    add column callback_queued_at       timestamptz,
    -- When the next attempt is due. While an attempt is under way, when it is taken for lost and
    -- the callback is due again: a sender that died mid-attempt leaves it to the others.
    add column callback_next_attempt_at timestamptz,
    -- The HTTP status of the last attempt, null when it got none (refused, timed out, cut off).
    add column callback_last_status     integer,
    add column callback_last_error      text,
    add column callback_delivered_at    timestamptz,
    add constraint executions_callback_state_check
        check (callback_state in ('waiting', 'pending', 'delivered', 'failed')),
    add constraint executions_callback_url_check
        check ((callback_url is null) = (callback_state is null));

-- The outbox: the update that ends an execution queues its callback, in the same transaction. A
-- trigger rather than each statement that ends an execution, because there are many of them (a
-- worker's complete and fail, the API's cancel and replace, the bookkeeper's requeue of a dead
-- worker's execution past its attempts) and every future one would have to remember: here none can
-- forget. So a callback is queued exactly when an end commits: never lost after a crash, never
-- sent for an end that was rolled back.
create function executions_queue_callback() returns trigger
    language plpgsql as
$$
begin
    new.callback_state := 'pending';
    new.callback_queued_at := now();
    new.callback_next_attempt_at := now();
    return new;
end;
$$;

create trigger executions_queue_callback
    before update of status on executions
    for each row
    when (old.callback_state = 'waiting' and new.status in ('SUCCEEDED', 'FAILED', 'CANCELED'))
    execute function executions_queue_callback();

-- claim_due.sql: the callbacks due, soonest first; only those still to be sent are indexed.
create index executions_callback_due_idx
    on executions (callback_next_attempt_at)
    where callback_state = 'pending';

-- ExecutionRepository maps the callback columns: lists and searches read this view.
create or replace view execution_summaries as
select id, query_id, query_hash, left(sql, 4097) as sql, format, tier, created_by, labels,
       priority, status, attempt, max_attempts, collapsed_count, created_at, updated_at,
       run_after, picked_at, completed_at, worker_id, lease_expires_at, progress_rows,
       progress_bytes, progress_total_rows, progress_elapsed_ms, progress_memory_bytes,
       result_key, result_rows, result_bytes, result_columns, result_compression,
       result_duration_ms, expires_at, error, attempt_errors, share_key, quota_key,
       callback_url, callback_state, callback_attempts, callback_queued_at,
       callback_next_attempt_at, callback_last_status, callback_last_error, callback_delivered_at
from executions;
