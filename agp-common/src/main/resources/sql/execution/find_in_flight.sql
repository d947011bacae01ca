select * from executions where query_id = :queryId and status in ('PENDING', 'RUNNING')
