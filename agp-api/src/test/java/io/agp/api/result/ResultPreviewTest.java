package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;

import io.agp.api.testing.ContractClient;
import io.agp.api.testing.ContractClient.Reply;
import io.agp.api.testing.TestApi;
import io.agp.api.testing.TestApi.Kept;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class ResultPreviewTest {

  private static final int ROWS = 150;

  private final TestApi api = TestApi.shared();
  private final ContractClient client = api.client;

  /** 150 rows of one column n (0 to 149), as ClickHouse writes them in the format. */
  private static byte[] result(String format) {
    String text =
        switch (format) {
          case "JSON" ->
              "{\n\"meta\": [{\"name\": \"n\", \"type\": \"UInt8\"}],\n\"data\": ["
                  + lines(i -> "{\"n\": " + i + "}", ",\n")
                  + "],\n\"rows\": "
                  + ROWS
                  + ",\n\"statistics\": {\"elapsed\": 0.001}\n}\n";
          case "JSONEachRow" -> lines(i -> "{\"n\":" + i + "}", "\n") + "\n";
          case "CSV", "TSV" -> lines(Integer::toString, "\n") + "\n";
          case "CSVWithNames" -> "\"n\"\n" + lines(Integer::toString, "\n") + "\n";
          case "TSVWithNames" -> "n\n" + lines(Integer::toString, "\n") + "\n";
          case "TSVWithNamesAndTypes" -> "n\nUInt8\n" + lines(Integer::toString, "\n") + "\n";
          default -> throw new IllegalArgumentException(format);
        };
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String lines(IntFunction<String> row, String separator) {
    return IntStream.range(0, ROWS).mapToObj(row).collect(Collectors.joining(separator));
  }

  private static byte[] compressed(byte[] bytes, String compression) throws Exception {
    return switch (compression) {
      case "none" -> bytes;
      case "gzip" -> {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
          gz.write(bytes);
        }
        yield out.toByteArray();
      }
      case "zstd" -> com.github.luben.zstd.Zstd.compress(bytes);
      default -> throw new IllegalArgumentException(compression);
    };
  }

  /** Some results are kept in the execution's row, as the worker keeps a small one. */
  @ParameterizedTest
  @CsvSource({
    "JSON, none, STORE",
    "JSON, zstd, STORE",
    "JSON, zstd, ROW",
    "JSONEachRow, none, STORE",
    "JSONEachRow, gzip, STORE",
    "CSV, none, STORE",
    "CSV, none, ROW",
    "CSVWithNames, none, STORE",
    "CSVWithNames, gzip, STORE",
    "CSVWithNames, gzip, ROW",
    "TSV, none, STORE",
    "TSVWithNames, zstd, STORE",
    "TSVWithNamesAndTypes, none, STORE",
    "TSVWithNamesAndTypes, gzip, STORE",
    "TSVWithNamesAndTypes, gzip, ROW"
  })
  void previewsTheFirstRowsOfEveryStoredFormatAndCompression(
      String format, String compression, Kept kept) throws Exception {
    long id = api.create(format);
    api.succeed(
        id,
        compressed(result(format), compression),
        compression.equals("none") ? null : compression,
        kept);
    String path = "/v1/async/executions/" + id + "/result/preview";

    Reply first = client.get(path);
    assertThat(first.status()).isEqualTo(200);
    JsonNode preview = first.json();
    assertThat(preview.get("columns").toString())
        .isEqualTo("[{\"name\":\"n\",\"type\":\"UInt8\"}]");
    assertThat(preview.get("rows")).hasSize(100);
    assertThat(preview.get("rows").get(0).get(0).asString()).isEqualTo("0");
    assertThat(preview.get("rows").get(99).get(0).asString()).isEqualTo("99");
    assertThat(preview.get("truncated").asBoolean()).isTrue();

    JsonNode three = client.get(path + "?rows=3").json();
    assertThat(three.get("rows")).hasSize(3);
    assertThat(three.get("truncated").asBoolean()).isTrue();

    JsonNode all = client.get(path + "?rows=" + ROWS).json();
    assertThat(all.get("rows")).hasSize(ROWS);
    assertThat(all.get("rows").get(ROWS - 1).get(0).asString())
        .isEqualTo(Integer.toString(ROWS - 1));
    assertThat(all.get("truncated").asBoolean()).isFalse();
  }

  @Test
  void valuesKeepTheirJsonTypesAndNullsInJsonFormats() throws Exception {
    long id = api.create("JSON");
    String json =
        """
        {"meta": [{"name": "id", "type": "UInt64"}, {"name": "name", "type": "Nullable(String)"},
                  {"name": "tags", "type": "Array(String)"}, {"name": "x", "type": "Float64"}],
         "data": [{"id": "18446744073709551615", "name": null, "tags": ["a", "b"], "x": 1.5}],
         "rows": 1}
        """;
    api.succeed(id, json.getBytes(StandardCharsets.UTF_8), null);

    JsonNode preview = client.get("/v1/async/executions/" + id + "/result/preview").json();

    assertThat(preview.get("columns")).hasSize(4);
    assertThat(preview.get("columns").get(1).get("type").asString()).isEqualTo("Nullable(String)");
    assertThat(preview.get("rows").toString())
        .isEqualTo("[[\"18446744073709551615\",null,[\"a\",\"b\"],1.5]]");
    assertThat(preview.get("truncated").asBoolean()).isFalse();
  }

  /**
   * A row of about 30 MB (one value of a whole table, as {@code groupArray} makes: an array in
   * JSONEachRow, a string in JSON, a line in TSV and CSV): the preview answers within its bounds,
   * the cut value marked, the next row whole, whatever the row's size.
   */
  @ParameterizedTest
  @ValueSource(strings = {"JSONEachRow", "JSON", "TSV", "CSV"})
  void aHugeRowIsCutToTheBoundsAndTheCutValueIsMarked(String format) throws Exception {
    int count = 3_000_000;
    StringBuilder numbers = new StringBuilder(count * 9);
    for (int i = 0; i < count; i++) {
      numbers.append(i == 0 ? "" : ",").append(1_000_000 + i);
    }
    String big = numbers.toString();
    String body =
        switch (format) {
          case "JSONEachRow" -> "{\"n\":[" + big + "]}\n{\"n\":[1]}\n";
          case "JSON" ->
              "{\"meta\":[{\"name\":\"n\",\"type\":\"String\"}],\"data\":[{\"n\":\"\u00e9"
                  + big
                  + "\"},{\"n\":\"small\"}],\"rows\":2}";
          case "TSV" -> big + "\nsmall\n";
          default -> "\"" + big + "\"\n\"small\"\n";
        };
    long id = api.create(format);
    api.succeed(id, body.getBytes(StandardCharsets.UTF_8), null);

    long start = System.nanoTime();
    Reply reply = client.get("/v1/async/executions/" + id + "/result/preview?rows=10");
    long millis = (System.nanoTime() - start) / 1_000_000;

    assertThat(reply.status()).isEqualTo(200);
    JsonNode preview = reply.json();
    assertThat(preview.get("cut").toString()).isEqualTo("[[0,0]]");
    assertThat(preview.get("rows")).hasSize(2);
    JsonNode shown = preview.get("rows").get(0).get(0);
    assertThat(shown.toString()).contains("1000000,1000001").hasSizeLessThan(20_000);
    if (shown.isString()) {
      assertThat(shown.asString()).endsWith("\u2026");
    }
    assertThat(preview.get("rows").get(1).get(0).toString()).isIn("[1]", "\"small\"");
    assertThat(reply.body().length).isLessThan(20_000);
    System.out.printf("preview of a row of %d bytes (%s): %d ms%n", body.length(), format, millis);
  }

  @Test
  void readsQuotedCsvFieldsAndEscapedTsvFieldsAsClickHouseWritesThem() throws Exception {
    long csv = api.create("CSV");
    api.succeed(
        csv,
        "\"a, b\",\"say \"\"hi\"\"\",\\N\r\n\"two\nlines\",,x\n".getBytes(StandardCharsets.UTF_8),
        null);
    assertThat(client.get("/v1/async/executions/" + csv + "/result/preview").json().get("rows"))
        .hasToString("[[\"a, b\",\"say \\\"hi\\\"\",null],[\"two\\nlines\",\"\",\"x\"]]");

    long tsv = api.create("TSV");
    api.succeed(
        tsv, "a\\tb\tline\\nbreak\t\\N\tback\\\\slash\n".getBytes(StandardCharsets.UTF_8), null);
    assertThat(client.get("/v1/async/executions/" + tsv + "/result/preview").json().get("rows"))
        .hasToString("[[\"a\\tb\",\"line\\nbreak\",null,\"back\\\\slash\"]]");
  }

  @Test
  void columnsComeFromTheHeaderWhenTheMetadataKnowsOtherOnes() throws Exception {
    long id = api.create("TSVWithNames");
    api.succeed(id, "a\tb\n1\t2\n".getBytes(StandardCharsets.UTF_8), null);

    JsonNode preview = client.get("/v1/async/executions/" + id + "/result/preview").json();

    assertThat(preview.get("columns").toString())
        .isEqualTo("[{\"name\":\"a\",\"type\":\"\"},{\"name\":\"b\",\"type\":\"\"}]");
    assertThat(preview.get("rows").toString()).isEqualTo("[[\"1\",\"2\"]]");
  }

  @Test
  void bytesThatDoNotReadAsTheFormatAre422() throws Exception {
    long json = api.create("JSON");
    api.succeed(json, "a,b\n1,2\n".getBytes(StandardCharsets.UTF_8), null);
    Reply notJson = client.get("/v1/async/executions/" + json + "/result/preview");
    assertThat(notJson.status()).isEqualTo(422);
    assertThat(notJson.json().get("detail").asString()).contains("does not read as JSON");

    long gzip = api.create("CSV");
    api.succeed(gzip, "1\n".getBytes(StandardCharsets.UTF_8), "gzip");
    assertThat(client.get("/v1/async/executions/" + gzip + "/result/preview").status())
        .isEqualTo(422);
  }

  @Test
  void rowsOutOfRangeIs400AndNoResultIs404Or410() throws Exception {
    long pending = api.create("CSV");
    String path = "/v1/async/executions/" + pending + "/result/preview";
    assertThat(client.get(path).status()).isEqualTo(404);

    api.succeedExpiringSoon(pending, result("CSV"), null);
    for (String rows : new String[] {"0", "1001", "-1", "many"}) {
      Reply bad = client.get(path + "?rows=" + rows);
      assertThat(bad.status()).as(rows).isEqualTo(400);
      assertThat(bad.json().get("field").asString()).isEqualTo("rows");
    }
    assertThat(client.get(path + "?rows=1000").status()).isEqualTo(200);

    api.jdbc()
        .sql("update executions set status = 'EXPIRED' where id = :id")
        .param("id", pending)
        .update();
    assertThat(client.get(path).status()).isEqualTo(410);
    assertThat(client.get("/v1/async/executions/999999999/result/preview").status()).isEqualTo(404);
  }
}
