select * from executions where id = :id
