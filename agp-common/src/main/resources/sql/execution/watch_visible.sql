-- Marks an in-flight execution as watched, so that its later changes are announced, if :viewer may
-- read it (the rule of get_visible.sql): another user's wait must not change their execution. The
-- apps' own calls and admins mark through watch.sql. Run before the watcher's read: a change that
-- commits after this statement sees the mark and is announced, and one that committed before it is
-- in the read. A row already marked is left alone (no row lock, so no claim has to skip it).
update executions e
set watched = true
where e.id = :id
  and e.status in ('PENDING', 'RUNNING')
  and not e.watched
  and (e.created_by = :viewer
       or exists (select 1
                  from execution_readers r
                  where r.execution_id = e.id
                    and r.user_name = :viewer))
