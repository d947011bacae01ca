package io.agp.api.sse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** How every event stream of the API frames an event, byte for byte. */
class EventStreamTest {

  private static String frame(String name, String id, String data) {
    return new String(
        EventStream.frame(name, id, data.getBytes(StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
  }

  @Test
  void eachLineOfTheDataIsADataLineWhateverEndsIt() {
    assertThat(frame("result", null, "{\n\t\"a\": 1,\r\n\t\"b\": 2\r}\n"))
        .isEqualTo("event: result\ndata: {\ndata: \t\"a\": 1,\ndata: \t\"b\": 2\ndata: }\n\n");
  }

  @Test
  void aLineThatStartsWithASpaceKeepsIt() {
    // A client drops the one space after the colon, and only that one.
    assertThat(frame("result", null, " one\n  two"))
        .isEqualTo("event: result\ndata:  one\ndata:   two\n\n");
  }

  @Test
  void onlyTheLastLineBreakEndsTheData() {
    assertThat(frame("result", null, "a\n")).isEqualTo("event: result\ndata: a\n\n");
    assertThat(frame("result", null, "a\r\n")).isEqualTo("event: result\ndata: a\n\n");
    assertThat(frame("result", null, "a\n\n")).isEqualTo("event: result\ndata: a\ndata: \n\n");
    assertThat(frame("result", null, "")).isEqualTo("event: result\ndata: \n\n");
  }

  @Test
  void theIdComesFirst() {
    assertThat(frame("status", "00ff", "{}")).isEqualTo("id: 00ff\nevent: status\ndata: {}\n\n");
  }

  @Test
  void aNameOrIdOfTwoLinesIsRefused() {
    assertThatThrownBy(() -> frame("a\nb", null, "{}"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> frame("status", "1\r2", "{}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
