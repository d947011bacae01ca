-- Indexes of the bookkeeper's duties.

-- find_expired_results.sql: SUCCEEDED executions whose result has passed its expiry.
create index executions_result_expiry_idx
    on executions (expires_at)
    where status = 'SUCCEEDED';

-- expire_ended.sql: FAILED and CANCELED executions past their retention.
create index executions_ended_idx
    on executions (completed_at)
    where status in ('FAILED', 'CANCELED');

-- delete_expired.sql: EXPIRED rows past the history retention.
create index executions_expired_idx
    on executions (updated_at)
    where status = 'EXPIRED';

-- find_live_result_keys.sql: whether a stored object still belongs to a SUCCEEDED execution.
create index executions_result_key_idx
    on executions (result_key)
    where result_key is not null;

-- wipe_parameters.sql: ended executions that still hold parameters.
create index executions_parameters_left_idx
    on executions (id)
    where parameters is not null and status not in ('PENDING', 'RUNNING');
