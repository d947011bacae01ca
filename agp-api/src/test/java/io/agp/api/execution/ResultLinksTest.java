package io.agp.api.execution;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.api.ApiProperties;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/** Signed result links: the secrets they need, and a rotation that keeps old links working. */
class ResultLinksTest {

  private static final String OLD = "the old link secret, of 32 bytes or more";
  private static final String NEW = "the new link secret, of 32 bytes or more";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

  private static ResultLinks links(List<String> secrets) {
    ApiProperties properties =
        new ApiProperties(
            DataSize.ofMegabytes(1),
            "default",
            "X-AGP-User",
            Duration.ofSeconds(60),
            Duration.ofMillis(100),
            secrets,
            Duration.ofHours(1),
            "",
            null,
            List.of(),
            new ApiProperties.RateLimit(0, 1),
            new ApiProperties.Auth(
                ApiProperties.AuthMode.NONE,
                "",
                null,
                List.of("RS256"),
                "",
                "",
                Duration.ofSeconds(60),
                "admin",
                Map.of()));
    return new ResultLinks(properties, CLOCK);
  }

  @Test
  void anApiWithoutALinkSecretOrWithAShortOneDoesNotStart() {
    assertThatThrownBy(() -> links(List.of()))
        .hasMessageContaining("agp.api.link-secrets is not set");
    assertThatThrownBy(() -> links(List.of(NEW, "short")))
        .hasMessageContaining("agp.api.link-secrets[1] has 5 bytes")
        .hasMessageContaining("at least 32");
  }

  @Test
  void aLinkSignedWithTheOldSecretStillWorksWhileTheOldSecretIsListedSecond() {
    ResultLinks.Signed before = links(List.of(OLD)).sign(7);
    ResultLinks rotating = links(List.of(NEW, OLD));
    ResultLinks rotated = links(List.of(NEW));

    rotating.check(7, before.expiresAt().getEpochSecond(), before.signature());
    ResultLinks.Signed after = rotating.sign(7);
    rotated.check(7, after.expiresAt().getEpochSecond(), after.signature());
    assertThatThrownBy(
            () -> rotated.check(7, before.expiresAt().getEpochSecond(), before.signature()))
        .isInstanceOf(LinkRejectedException.class)
        .hasMessageContaining("signature does not match");
  }

  @Test
  void theFirstSecretSigns() {
    ResultLinks.Signed signed = links(List.of(NEW, OLD)).sign(7);

    assertThat(signed.signature()).isEqualTo(links(List.of(NEW)).sign(7).signature());
    assertThat(signed.signature()).isNotEqualTo(links(List.of(OLD)).sign(7).signature());
  }
}
