package io.agp.api.result;

import io.agp.api.InvalidRequestException;
import io.agp.api.auth.Caller;
import io.agp.api.execution.ExecutionNotFoundException;
import io.agp.api.execution.VisibleExecutions;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.support.ServletUriComponentsBuilder;

/**
 * A result: its download, a preview of its first rows, and signed links that download it without
 * credentials.
 */
@RestController
@RequestMapping("/v1/async")
class ResultController {

  private final ExecutionRepository executions;
  private final VisibleExecutions visible;
  private final ResultDownloads downloads;
  private final ResultLinks links;
  private final ResultPreviews previews;
  private final RowPages rowPages;

  ResultController(
      ExecutionRepository executions,
      VisibleExecutions visible,
      ResultDownloads downloads,
      ResultLinks links,
      ResultPreviews previews,
      RowPages rowPages) {
    this.executions = executions;
    this.visible = visible;
    this.downloads = downloads;
    this.links = links;
    this.previews = previews;
    this.rowPages = rowPages;
  }

  @GetMapping("/executions/{id}/result")
  void result(@PathVariable long id, HttpServletRequest http, HttpServletResponse response)
      throws IOException {
    Caller caller = visible.caller(http);
    downloads.serve(visible.find(id, caller), caller.user(), caller.user(), http, response);
  }

  /**
   * The first rows of the result as JSON, whatever its format: the same visibility as the download.
   */
  @GetMapping(path = "/executions/{id}/result/preview", produces = MediaType.APPLICATION_JSON_VALUE)
  ResultPreviews.Preview preview(
      @PathVariable long id, @RequestParam(required = false) Integer rows, HttpServletRequest http)
      throws IOException {
    int count = rows == null ? ResultPreviews.DEFAULT_ROWS : rows;
    if (count < 1 || count > ResultPreviews.MAX_ROWS) {
      throw new InvalidRequestException(
          "rows", "rows must be between 1 and " + ResultPreviews.MAX_ROWS);
    }
    return previews.preview(visible.find(id, visible.caller(http)), count);
  }

  /**
   * A page of the result's rows as JSON, read from the row index's nearest point: the same
   * visibility as the download.
   */
  @GetMapping(path = "/executions/{id}/rows", produces = MediaType.APPLICATION_JSON_VALUE)
  RowPages.Page rows(
      @PathVariable long id,
      @RequestParam(required = false) Long offset,
      @RequestParam(required = false) Integer limit,
      HttpServletRequest http)
      throws IOException {
    long from = offset == null ? 0 : offset;
    int count = limit == null ? RowPages.DEFAULT_LIMIT : limit;
    if (from < 0) {
      throw new InvalidRequestException("offset", "offset must not be negative");
    }
    if (count < 1 || count > RowPages.MAX_LIMIT) {
      throw new InvalidRequestException(
          "limit", "limit must be between 1 and " + RowPages.MAX_LIMIT);
    }
    return rowPages.page(visible.find(id, visible.caller(http)), from, count);
  }

  @PostMapping("/executions/{id}/result-link")
  ResultLinkView resultLink(@PathVariable long id, HttpServletRequest http) {
    Execution execution = visible.find(id, visible.caller(http));
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
    ResultLinks.Signed signed = links.sign(id);
    String url =
        ServletUriComponentsBuilder.fromCurrentContextPath()
            .path("/v1/async/links/{id}")
            .queryParam("expires", signed.expiresAt().getEpochSecond())
            .queryParam("signature", signed.signature())
            .buildAndExpand(id)
            .toUriString();
    return new ResultLinkView(url, signed.expiresAt());
  }

  @GetMapping("/links/{id}")
  void signedResult(
      @PathVariable long id,
      @RequestParam(required = false) Long expires,
      @RequestParam(required = false) String signature,
      HttpServletRequest http,
      HttpServletResponse response)
      throws IOException {
    links.check(id, expires, signature);
    // A link names nobody: its downloads count against the address they come from, and are the
    // usage of the execution's creator, who shared it.
    Execution execution = executions.get(id).orElseThrow(() -> new ExecutionNotFoundException(id));
    downloads.serve(
        execution, "address:" + http.getRemoteAddr(), execution.createdBy(), http, response);
  }
}
