-- A NOTIFY in the creating transaction serialises the commits of all creates (the notifying
-- transaction holds a database-wide lock until its commit is flushed). Creates now notify after
-- their commit, batched (io.agp.execution.PendingNotifier). Requeues still notify from the update
-- trigger: they are few.
drop trigger executions_notify_pending_on_insert on executions;
