package io.agp.api.result;

import io.agp.api.ApiProblem;
import io.agp.execution.Execution;
import io.agp.execution.ResultFormat;
import io.agp.results.ResultCompression;
import org.springframework.http.HttpStatus;

/**
 * The stored result does not read as its execution's format (or compression) says: it cannot be
 * previewed (422), though its download still serves the bytes as they are.
 */
class ResultNotPreviewableException extends ApiProblem {

  ResultNotPreviewableException(
      Execution execution, ResultFormat format, ResultCompression compression, Exception cause) {
    super(
        HttpStatus.UNPROCESSABLE_CONTENT,
        "the stored result of execution "
            + execution.id()
            + " does not read as "
            + format
            + (compression == ResultCompression.NONE
                ? ""
                : " compressed with " + compression.recordedName())
            + ", so it cannot be previewed; download it instead",
        cause);
  }
}
