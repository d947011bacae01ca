package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ListAndSearchTest {

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;
  private final String run = UUID.randomUUID().toString();

  private long create(String sql, String queryId, String tier) {
    Reply reply =
        client.postJson(
            "/v1/async/executions",
            """
            {"sql": "%s", "query_id": "%s", "tier": "%s", "labels": {"run": "%s"}}
            """
                .formatted(sql, queryId, tier, run));
    assertThat(reply.status()).isEqualTo(201);
    return reply.json().get("id").asLong();
  }

  private static List<Long> ids(Reply page) {
    List<Long> ids = new ArrayList<>();
    page.json().get("executions").forEach(e -> ids.add(e.get("id").asLong()));
    return ids;
  }

  @Test
  void listsNewestFirstAPageAtATimeWithACursor() {
    List<Long> created = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      created.add(create("SELECT " + i, run + "-" + i, "default"));
    }

    List<Long> seen = new ArrayList<>();
    String path = "/v1/async/executions?limit=2&label=run%3D" + run;
    Reply page = client.get(path);
    int pages = 0;
    while (true) {
      assertThat(page.status()).isEqualTo(200);
      seen.addAll(ids(page));
      pages++;
      JsonNode cursor = page.json().get("cursor");
      if (cursor.isNull()) {
        break;
      }
      page = client.get(path + "&cursor=" + cursor.asString());
    }

    assertThat(pages).isEqualTo(3);
    assertThat(seen).containsExactlyElementsOf(created.reversed());
  }

  @Test
  void filtersByQueryIdStatusTierAndCreationTime() throws Exception {
    long a = create("SELECT 1", run + "-a", "default");
    long b = create("SELECT 2", run + "-b", "gold");
    api.succeed(b, "{}".getBytes(StandardCharsets.UTF_8), null);
    String label = "&label=run%3D" + run;

    assertThat(ids(client.get("/v1/async/executions?query_id=" + run + "-a"))).containsExactly(a);
    assertThat(ids(client.get("/v1/async/executions?status=SUCCEEDED" + label))).containsExactly(b);
    assertThat(ids(client.get("/v1/async/executions?status=PENDING&status=SUCCEEDED" + label)))
        .containsExactly(b, a);
    assertThat(ids(client.get("/v1/async/executions?status=pending,running" + label)))
        .containsExactly(a);
    assertThat(ids(client.get("/v1/async/executions?tier=gold" + label))).containsExactly(b);
    String created = client.get("/v1/async/executions/" + b).json().get("created_at").asString();
    String at = URLEncoder.encode(created, StandardCharsets.UTF_8);
    assertThat(ids(client.get("/v1/async/executions?created_after=" + at + label)))
        .containsExactly(b);
    assertThat(ids(client.get("/v1/async/executions?created_before=" + at + label)))
        .containsExactly(a);
    assertThat(ids(client.get("/v1/async/executions?created_by=nobody" + label))).isEmpty();
  }

  @Test
  void searchAnswersOneListPerItemInRequestOrder() throws Exception {
    String first = run + "-s1";
    String second = run + "-s2";
    long old = create("SELECT 1", first, "default");
    api.succeed(old, "{}".getBytes(StandardCharsets.UTF_8), null);
    long newer = create("SELECT 1", first, "default");
    api.succeed(newer, "{}".getBytes(StandardCharsets.UTF_8), null);
    long pending = create("SELECT 2", second, "default");

    Reply reply =
        client.postJson(
            "/v1/async/search",
            """
            [{"query_id": "%s"},
             {"query_id": "%s", "statuses": ["PENDING", "RUNNING"], "sort_by": "COMPLETED_AT"},
             {"query_id": "%s", "limit": 1},
             {"query_id": "%s", "query_hash": "no-such-hash"},
             {"query_id": "%s"}]
            """
                .formatted(first, second, first, first, second));

    assertThat(reply.status()).isEqualTo(200);
    JsonNode lists = reply.json();
    assertThat(lists.size()).isEqualTo(5);
    assertThat(lists.get(0).findValuesAsString("status")).containsOnly("SUCCEEDED");
    assertThat(lists.get(0).get(0).get("id").asLong()).isEqualTo(newer);
    assertThat(lists.get(0).get(1).get("id").asLong()).isEqualTo(old);
    assertThat(lists.get(1).get(0).get("id").asLong()).isEqualTo(pending);
    assertThat(lists.get(2).size()).isEqualTo(1);
    assertThat(lists.get(3).size()).isZero();
    assertThat(lists.get(4).size()).isZero();
  }

  /**
   * A name given at create (JSON body or text/plain parameter) is shown on the get and in lists,
   * and filters a list exactly; a user who only collapsed onto the execution sees it without the
   * name and cannot find it by the name; a name that is blank, too long or holds a control
   * character is a 400 that names the field.
   */
  @Test
  void namesAnExecutionShowsTheNameToItsCreatorAndListsByIt() {
    String name = "daily revenue " + run;
    Reply json =
        client.postJson(
            "/v1/async/executions",
            """
            {"sql": "SELECT 'named %s'", "name": "  %s  ", "labels": {"run": "%s"}}
            """
                .formatted(run, name, run));
    assertThat(json.status()).isEqualTo(201);
    long id = json.json().get("id").asLong();
    assertThat(json.json().get("name").asString()).isEqualTo(name);
    Reply text =
        client.postSql(
            "/v1/async/executions?name="
                + URLEncoder.encode(name + " text", StandardCharsets.UTF_8)
                + "&query_id="
                + run
                + "-text",
            "SELECT 'named by a parameter'");
    assertThat(text.status()).isEqualTo(201);
    assertThat(text.json().get("name").asString()).isEqualTo(name + " text");
    create("SELECT 'unnamed " + run + "'", run + "-unnamed", "default");

    assertThat(client.get("/v1/async/executions/" + id).json().get("name").asString())
        .isEqualTo(name);
    String byName = "/v1/async/executions?name=" + URLEncoder.encode(name, StandardCharsets.UTF_8);
    assertThat(ids(client.get(byName))).containsExactly(id);
    assertThat(client.get(byName).json().get("executions").get(0).get("name").asString())
        .isEqualTo(name);
    assertThat(ids(client.get("/v1/async/executions?name=no-such-name-" + run))).isEmpty();

    for (String bad : List.of("   ", "x".repeat(201), "tab\\there")) {
      Reply refused =
          client.postJson(
              "/v1/async/executions",
              """
              {"sql": "SELECT 'bad name'", "name": "%s"}
              """
                  .formatted(bad));
      assertThat(refused.status()).as("name %s", bad).isEqualTo(400);
      assertThat(refused.text()).contains("name");
    }
  }
}
