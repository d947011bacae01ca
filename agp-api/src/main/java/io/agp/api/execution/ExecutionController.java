package io.agp.api.execution;

import io.agp.api.ApiProperties;
import io.agp.execution.CreateOutcome;
import io.agp.execution.Execution;
import io.agp.execution.ExecutionRepository;
import io.agp.execution.ExecutionStatus;
import io.agp.execution.NewExecution;
import io.agp.execution.QueryHash;
import io.agp.execution.ResultFormat;
import io.agp.results.ResultStore;
import io.agp.tier.TierProperties;
import io.agp.tier.Tiers;
import io.agp.tier.UnknownTierException;
import jakarta.servlet.http.HttpServletRequest;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

@RestController
@RequestMapping("/v1/async/executions")
class ExecutionController {

  private final ExecutionRepository executions;
  private final Tiers tiers;
  private final ResultStore results;
  private final ApiProperties properties;

  ExecutionController(
      ExecutionRepository executions, Tiers tiers, ResultStore results, ApiProperties properties) {
    this.executions = executions;
    this.tiers = tiers;
    this.results = results;
    this.properties = properties;
  }

  @PostMapping(consumes = MediaType.TEXT_PLAIN_VALUE)
  ResponseEntity<ExecutionView> createFromText(
      @RequestBody(required = false) String sql,
      @RequestParam(name = "query-id", required = false) String queryId,
      @RequestParam(required = false) String tier,
      @RequestParam(required = false) String format,
      HttpServletRequest http) {
    return create(new CreateExecutionRequest(sql, queryId, tier, format, null, null), http);
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<ExecutionView> createFromJson(
      @RequestBody CreateExecutionRequest request,
      @RequestParam(name = "query-id", required = false) String queryId,
      HttpServletRequest http) {
    if (request.queryId() == null && queryId != null) {
      request =
          new CreateExecutionRequest(
              request.sql(),
              queryId,
              request.tier(),
              request.format(),
              request.parameters(),
              request.labels());
    }
    return create(request, http);
  }

  @GetMapping("/{id}")
  ExecutionView get(@PathVariable long id) {
    return ExecutionView.of(find(id));
  }

  @GetMapping("/{id}/result")
  ResponseEntity<StreamingResponseBody> result(@PathVariable long id) throws Exception {
    Execution execution = find(id);
    if (execution.status() != ExecutionStatus.SUCCEEDED || execution.result() == null) {
      throw new ResultNotAvailableException(execution);
    }
    ResultFormat format = ResultFormat.find(execution.format()).orElse(ResultFormat.DEFAULT);
    // Opened before the response is committed, so that a missing object is still a clean error.
    InputStream body = results.open(execution.result().key());
    StreamingResponseBody stream =
        out -> {
          try (body) {
            body.transferTo(out);
          }
        };
    return ResponseEntity.ok()
        .contentType(MediaType.parseMediaType(format.contentType()))
        .contentLength(execution.result().bytes())
        .header(
            HttpHeaders.CONTENT_DISPOSITION,
            ContentDisposition.attachment()
                .filename("execution-" + id + "." + format.extension())
                .build()
                .toString())
        .body(stream);
  }

  private ResponseEntity<ExecutionView> create(
      CreateExecutionRequest request, HttpServletRequest http) {
    String sql = request.sql() == null ? "" : QueryHash.normalize(request.sql());
    if (sql.isEmpty()) {
      throw new InvalidRequestException("sql", "the SQL text is empty");
    }
    if (sql.getBytes(StandardCharsets.UTF_8).length > properties.maxSqlSize().toBytes()) {
      throw new SqlTooLargeException(properties.maxSqlSize());
    }
    String tierName = request.tier() == null ? properties.defaultTier() : request.tier();
    TierProperties tier =
        tiers.find(tierName).orElseThrow(() -> new UnknownTierException(tierName, tiers.names()));
    ResultFormat format =
        request.format() == null
            ? ResultFormat.DEFAULT
            : ResultFormat.find(request.format())
                .orElseThrow(
                    () ->
                        new InvalidRequestException(
                            "format", "unknown format '" + request.format() + "'"));
    Map<String, String> parameters = request.parameters() == null ? Map.of() : request.parameters();
    String hash = QueryHash.of(sql, format.name(), parameters);
    String queryId = request.queryId() == null ? hash : request.queryId().strip();
    if (queryId.isEmpty() || queryId.length() > 256) {
      throw new InvalidRequestException("query_id", "query_id must have 1 to 256 characters");
    }
    NewExecution execution =
        new NewExecution(
            queryId,
            hash,
            sql,
            format.name(),
            tierName,
            caller(http),
            request.labels(),
            parameters,
            0,
            tier.maxAttempts());
    return switch (executions.createOrCollapse(execution)) {
      case CreateOutcome.Created created ->
          ResponseEntity.created(URI.create("/v1/async/executions/" + created.execution().id()))
              .body(ExecutionView.of(created.execution(), false));
      case CreateOutcome.Collapsed collapsed ->
          ResponseEntity.ok(ExecutionView.of(collapsed.execution(), true));
      case CreateOutcome.Conflict conflict ->
          throw new QueryIdConflictException(conflict.execution());
    };
  }

  private Execution find(long id) {
    return executions.get(id).orElseThrow(() -> new ExecutionNotFoundException(id));
  }

  private String caller(HttpServletRequest http) {
    String user = http.getHeader(properties.userHeader());
    return user == null || user.isBlank() ? http.getRemoteAddr() : user.strip();
  }
}
