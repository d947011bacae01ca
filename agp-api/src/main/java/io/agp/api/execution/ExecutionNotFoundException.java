package io.agp.api.execution;

import io.agp.api.ApiProblem;
import org.springframework.http.HttpStatus;

public class ExecutionNotFoundException extends ApiProblem {

  public ExecutionNotFoundException(long id) {
    super(HttpStatus.NOT_FOUND, "execution " + id + " does not exist");
  }
}
