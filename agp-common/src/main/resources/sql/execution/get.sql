-- Any execution by id, for the apps' own work and an admin's read; another caller's read goes
-- through get_visible.sql.
select * from executions where id = :id
