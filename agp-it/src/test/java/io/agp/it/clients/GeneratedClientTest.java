package io.agp.it.clients;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.agp.client.ApiClient;
import io.agp.client.ApiException;
import io.agp.client.ApiResponse;
import io.agp.client.api.ExecutionsApi;
import io.agp.client.api.LinksApi;
import io.agp.client.api.QueuesApi;
import io.agp.client.api.SchedulesApi;
import io.agp.client.model.CreateExecutionRequest;
import io.agp.client.model.EventToken;
import io.agp.client.model.Execution;
import io.agp.client.model.ExecutionPage;
import io.agp.client.model.Format;
import io.agp.client.model.Problem;
import io.agp.client.model.Queues;
import io.agp.client.model.ResultLink;
import io.agp.client.model.ResultPreview;
import io.agp.client.model.Schedule;
import io.agp.client.model.ScheduleLastRun;
import io.agp.client.model.ScheduleRequest;
import io.agp.client.model.SearchItem;
import io.agp.client.model.Status;
import java.io.File;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The Java client generated from {@code openapi/api.yaml} drives every operation of the contract
 * against the real stack: the contract is consumable by a generator, not only by our validator.
 */
class GeneratedClientTest {

  private static final String CSV_SQL = "SELECT number, toString(number) AS s FROM numbers(%d)";

  private final ClientsStack stack = ClientsStack.shared();
  private final ApiClient client = client(ClientsStack.token("client-user"));
  private final ExecutionsApi executions = new ExecutionsApi(client);
  private final String label = UUID.randomUUID().toString();

  private ApiClient client(String token) {
    ApiClient client = new ApiClient();
    client.updateBaseUri(stack.url());
    client.setReadTimeout(Duration.ofSeconds(90));
    if (token != null) {
      client.setRequestInterceptor(r -> r.header("Authorization", "Bearer " + token));
    }
    return client;
  }

  private Execution create(String sql, Integer wait) throws ApiException {
    return executions.createExecution(
        request(sql), null, null, null, null, null, null, null, wait, null);
  }

  private CreateExecutionRequest request(String sql) {
    return new CreateExecutionRequest()
        .sql(sql)
        .format(Format.CSV_WITH_NAMES)
        .putLabelsItem("test", label);
  }

  @Test
  void createsWaitsGetsAndDownloadsWholeAndInPart() throws Exception {
    String sql = CSV_SQL.formatted(5) + " -- " + label;

    ApiResponse<Execution> created =
        executions.createExecutionWithHttpInfo(
            request(sql), null, null, null, null, null, null, null, 30, null);

    assertThat(created.getStatusCode()).isEqualTo(201);
    assertThat(created.getHeaders().get("location"))
        .containsExactly("/v1/async/executions/" + created.getData().getId());
    Execution done = created.getData();
    assertThat(done.getStatus()).isEqualTo(Status.SUCCEEDED);
    assertThat(done.getLabels()).containsEntry("test", label);
    assertThat(done.getResult().getRows()).isEqualTo(5);
    assertThat(done.getResult().getColumns().getFirst().getName()).isEqualTo("number");
    assertThat(done.getCreatedAt()).isBefore(OffsetDateTime.now().plusMinutes(1));

    Execution got = executions.getExecution(done.getId(), null, null);
    assertThat(got.getSql()).isEqualTo(sql);

    String csv = "\"number\",\"s\"\n0,\"0\"\n1,\"1\"\n2,\"2\"\n3,\"3\"\n4,\"4\"\n";
    File whole = executions.getExecutionResult(done.getId(), null);
    assertThat(Files.readString(whole.toPath())).isEqualTo(csv);
    ApiResponse<File> tail = executions.getExecutionResultWithHttpInfo(done.getId(), "bytes=12-");
    assertThat(tail.getStatusCode()).isEqualTo(206);
    assertThat(Files.readString(tail.getData().toPath())).isEqualTo(csv.substring(12));
  }

  @Test
  void previewsTheFirstRowsAsJsonValues() throws Exception {
    Execution done = create("SELECT number, NULL AS nothing FROM numbers(5) -- " + label, 30);

    ResultPreview preview = executions.previewExecutionResult(done.getId(), 2);

    assertThat(preview.getColumns())
        .extracting(c -> c.getName())
        .containsExactly("number", "nothing");
    // CSV gives every value as a string, and NULL as JSON null.
    assertThat(preview.getRows())
        .containsExactly(java.util.Arrays.asList("0", null), java.util.Arrays.asList("1", null));
    assertThat(preview.getTruncated()).isTrue();
  }

  @Test
  void queuesAreForAdminsOnly() throws Exception {
    Execution done = create(CSV_SQL.formatted(1) + " -- " + label, 30);

    ApiClient admin = client(ClientsStack.token("client-admin", List.of("admin")));
    Queues queues = new QueuesApi(admin).getQueues();

    assertThat(queues.getTiers()).extracting(t -> t.getTier()).contains(done.getTier());
    assertThat(queues.getRunningTruncated()).isFalse();
    assertThatThrownBy(() -> new QueuesApi(client).getQueues())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }

  @Test
  void reusesAFreshResult() throws Exception {
    String sql = CSV_SQL.formatted(2) + " -- " + label;
    Execution first = create(sql, 30);

    ApiResponse<Execution> again =
        executions.createExecutionWithHttpInfo(
            request(sql).maxAge(600L), null, null, null, null, null, null, null, null, null);

    assertThat(again.getStatusCode()).isEqualTo(200);
    assertThat(again.getData().getReused()).isTrue();
    assertThat(again.getData().getId()).isEqualTo(first.getId());
    assertThat(again.getData().getResultAgeMs()).isNotNegative();
  }

  @Test
  void signsALinkThatDownloadsWithoutCredentials() throws Exception {
    // A JSON result comes as a file too, like every format.
    Execution done =
        executions.createExecution(
            request(CSV_SQL.formatted(3) + " -- " + label).format(Format.JSON),
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            30,
            null);

    ResultLink link = executions.createResultLink(done.getId());

    Map<String, String> query = new HashMap<>();
    for (String pair : link.getUrl().getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      query.put(kv[0], java.net.URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
    }
    LinksApi anonymous = new LinksApi(client(null));
    File viaLink =
        anonymous.getSignedResult(
            done.getId(), Long.parseLong(query.get("expires")), query.get("signature"), null);
    assertThat(viaLink).hasSameBinaryContentAs(executions.getExecutionResult(done.getId(), null));
    assertThatThrownBy(
            () ->
                anonymous.getSignedResult(
                    done.getId(), Long.parseLong(query.get("expires")), "forged", null))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(403));
  }

  @Test
  void listsPageByPageAndSearchesByQueryId() throws Exception {
    Execution older = create(CSV_SQL.formatted(1) + " -- a " + label, 30);
    Execution newer = create(CSV_SQL.formatted(1) + " -- b " + label, 30);
    List<String> labels = List.of("test=" + label);

    ExecutionPage first =
        executions.listExecutions(
            null, List.of("SUCCEEDED"), "default", null, null, null, null, labels, 1, null, null);
    ExecutionPage second =
        executions.listExecutions(
            null,
            List.of("SUCCEEDED"),
            "default",
            null,
            null,
            null,
            null,
            labels,
            1,
            first.getCursor(),
            null);

    assertThat(first.getExecutions()).extracting(Execution::getId).containsExactly(newer.getId());
    assertThat(first.getCursor()).isNotNull();
    assertThat(second.getExecutions()).extracting(Execution::getId).containsExactly(older.getId());

    List<List<Execution>> found =
        executions.searchExecutions(
            List.of(
                new SearchItem().queryId(older.getQueryId()).statuses(List.of(Status.SUCCEEDED)),
                new SearchItem().queryId("no such query " + label)));
    assertThat(found).hasSize(2);
    assertThat(found.get(0)).extracting(Execution::getId).containsExactly(older.getId());
    assertThat(found.get(1)).isEmpty();
  }

  @Test
  void cancelsAndReadsTheEventsOfTheEndedExecution() throws Exception {
    Execution slow = create("SELECT sleep(3), '" + label + "'", null);
    // No wait: a get that waits on a RUNNING sleep answers only at its end.
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> executions.getExecution(slow.getId(), null, null).getStatus(),
            Status.RUNNING::equals);

    Execution canceled = executions.cancelExecution(slow.getId());

    assertThat(canceled.getStatus()).isEqualTo(Status.CANCELED);
    File events = executions.streamExecutionEvents(slow.getId(), null);
    assertThat(Files.readString(events.toPath()))
        .contains("event: status")
        .contains("\"status\":\"CANCELED\"");
    // As an EventSource would: the minted URL alone, no Authorization header.
    EventToken token = executions.createEventToken(slow.getId());
    HttpResponse<String> byToken =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(token.getEventsUrl()).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(byToken.statusCode()).isEqualTo(200);
    assertThat(byToken.body()).contains("\"status\":\"CANCELED\"");
    assertThatThrownBy(() -> executions.cancelExecution(slow.getId()))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(409);
              assertThat(problem(e).getTitle()).isEqualTo("Conflict");
            });
  }

  @Test
  void makesASchedulePausesResumesReplacesListsAndDeletesIt() throws Exception {
    SchedulesApi schedules = new SchedulesApi(client);
    String sql = "SELECT 'kept fresh' -- " + label;

    ApiResponse<Schedule> created =
        schedules.createScheduleWithHttpInfo(
            new ScheduleRequest().sql(sql).format(Format.CSV).everySeconds(3600L).name(label));

    assertThat(created.getStatusCode()).isEqualTo(201);
    long id = created.getData().getId();
    assertThat(created.getHeaders().get("location")).containsExactly("/v1/schedules/" + id);
    // The bookkeeper creates its first run at once, as an execution of the same query and owner.
    Schedule ran =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> schedules.getSchedule(id), s -> s.getLastRun() != null);
    assertThat(ran.getLastRun().getOutcome()).isEqualTo(ScheduleLastRun.OutcomeEnum.CREATED);
    Execution run = executions.getExecution(ran.getLastRun().getExecutionId(), null, null);
    assertThat(run.getQueryId()).isEqualTo(ran.getQueryId());
    assertThat(run.getLabels()).containsEntry("schedule", Long.toString(id));

    assertThat(schedules.pauseSchedule(id).getPaused()).isTrue();
    assertThat(schedules.resumeSchedule(id).getNextRunAt()).isNotNull();
    Schedule replaced =
        schedules.replaceSchedule(
            id, new ScheduleRequest().sql(sql).cron("0 0 6 * * *").name(label));
    assertThat(replaced.getCron()).isEqualTo("0 0 6 * * *");
    assertThat(replaced.getEverySeconds()).isNull();
    assertThat(schedules.listSchedules(null, null).getSchedules())
        .extracting(Schedule::getId)
        .contains(id);
    schedules.deleteSchedule(id);
    assertThatThrownBy(() -> schedules.getSchedule(id))
        .isInstanceOf(ApiException.class)
        .extracting(e -> ((ApiException) e).getCode())
        .isEqualTo(404);
  }

  @Test
  void errorsAreProblemsAndNoAnswerIsCodeZero() {
    assertThatThrownBy(() -> executions.getExecution(987654321L, null, null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isEqualTo(404);
              assertThat(problem(e).getDetail()).contains("987654321");
            });
    assertThatThrownBy(() -> new ExecutionsApi(client(null)).getExecution(1L, null, null))
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(401));
    ApiClient nowhere = new ApiClient();
    nowhere.updateBaseUri("http://127.0.0.1:9");
    assertThatThrownBy(() -> new ExecutionsApi(nowhere).getExecution(1L, null, null))
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> {
              assertThat(e.getCode()).isZero();
              assertThat(e.getCause()).isInstanceOf(java.io.IOException.class);
            });
  }

  private Problem problem(ApiException e) {
    return client.getObjectMapper().readValue(e.getResponseBody(), Problem.class);
  }
}
