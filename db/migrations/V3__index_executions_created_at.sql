-- list.sql without a query_id or user filter: every execution, newest first, from a keyset cursor.
create index executions_created_at_idx
    on executions (created_at desc, id desc);
