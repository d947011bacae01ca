-- Executions by id, for the API's safety poll of the executions its requests wait for.
select * from executions where id = any (cast(:ids as bigint[]))
