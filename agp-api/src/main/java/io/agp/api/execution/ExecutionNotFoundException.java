package io.agp.api.execution;

class ExecutionNotFoundException extends RuntimeException {

  ExecutionNotFoundException(long id) {
    super("execution " + id + " does not exist");
  }
}
