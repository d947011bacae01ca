-- Marks an in-flight execution as watched, so that its later changes are announced: the apps' own
-- calls and admins, who may read every execution (a user's wait marks through watch_visible.sql).
-- Run before the watcher's read: a change that commits after this statement sees the mark and is
-- announced, and one that committed before it is in the read. A row already marked is left alone
-- (no row lock, so no claim has to skip it).
update executions
set watched = true
where id = :id
  and status in ('PENDING', 'RUNNING')
  and not watched
