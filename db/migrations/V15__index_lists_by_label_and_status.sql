-- list.sql with a label filter: the executions whose labels contain the given ones. Without it, a
-- label few executions have (or none) is looked for in the whole table (0.6 s at 10 million rows,
-- bench/README.md "History"); a label many have is still found faster along created_at.
--
-- Both indexes are built with the table locked against writes, as every migration here runs in a
-- transaction (a concurrent build cannot). On a large table, build them beforehand without
-- blocking: CREATE INDEX CONCURRENTLY with the same names and definitions; this migration then
-- finds them and goes on.
create index if not exists executions_labels_idx
    on executions using gin (labels jsonb_path_ops);

-- list.sql for a user with a status filter (the console's "my failed executions"): their rows of
-- those statuses newest first, without reading every row of theirs.
create index if not exists executions_created_by_status_idx
    on executions (created_by, status, created_at desc, id desc);
