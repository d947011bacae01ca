update executions
set parameters = null
where id in (select id
             from executions
             where parameters is not null
               and status not in ('PENDING', 'RUNNING')
             limit :limit)
