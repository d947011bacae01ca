-- A name the creator gives an execution ("daily revenue", "churn by cohort"), shown in lists, the
-- console and the CLI, and a list filter. Null when none was given. Lists by name are a user's own
-- (created_by first), so the index serves the filter at any size of the table.
alter table executions add column name text;

create index executions_created_by_name on executions (created_by, name, created_at desc)
    where name is not null;
