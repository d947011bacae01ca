package io.agp.execution;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The query hash: the same request, the same hash, under one key; nothing to guess from it. */
class QueryHashTest {

  private static final QueryHash HASH = new QueryHash(bytes("one key"));

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theSameRequestHasTheSameHashWhateverTheOrderOfItsParameters() {
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("a", "1");
    ab.put("b", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("b", "2");
    ba.put("a", "1");

    assertThat(HASH.of("SELECT 1;\r\n", "JSON", ab)).isEqualTo(HASH.of("SELECT 1", "JSON", ba));
    assertThat(HASH.of("SELECT 1", "JSON", ab)).hasSize(64).matches("[0-9a-f]+");
  }

  @Test
  void anyDifferenceInTheRequestChangesTheHash() {
    String base = HASH.of("SELECT 1", "JSON", Map.of("p", "v"));

    assertThat(HASH.of("SELECT 2", "JSON", Map.of("p", "v"))).isNotEqualTo(base);
    assertThat(HASH.of("SELECT 1", "CSV", Map.of("p", "v"))).isNotEqualTo(base);
    assertThat(HASH.of("SELECT 1", "JSON", Map.of("p", "w"))).isNotEqualTo(base);
    assertThat(HASH.of("SELECT 1", "JSON", Map.of("pv", ""))).isNotEqualTo(base);
  }

  @Test
  void anotherKeyGivesAnotherHashSoThatParametersCannotBeGuessedFromIt() {
    Map<String, String> secret = Map.of("token", "1234");

    assertThat(new QueryHash(bytes("another key")).of("SELECT 1", "JSON", secret))
        .isNotEqualTo(HASH.of("SELECT 1", "JSON", secret));
  }
}
