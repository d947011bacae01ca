-- Workers LISTEN on this channel to stop a cancelled execution's ClickHouse query at once,
-- rather than at their next heartbeat. The payload is the execution id.
create function executions_notify_canceled() returns trigger
    language plpgsql as
$$
begin
    perform pg_notify('agp_execution_canceled', new.id::text);
    return null;
end;
$$;

create trigger executions_notify_canceled
    after update of status on executions
    for each row when (new.status = 'CANCELED' and old.status = 'RUNNING')
    execute function executions_notify_canceled();
