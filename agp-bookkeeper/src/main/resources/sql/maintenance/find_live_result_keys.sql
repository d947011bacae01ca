-- Of these keys, the ones a SUCCEEDED execution still points to.
select result_key
from executions
where result_key in (:keys)
  and status = 'SUCCEEDED'
