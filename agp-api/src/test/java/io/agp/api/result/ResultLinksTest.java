package io.agp.api.result;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.agp.api.ApiProperties;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Signed result links: the secrets they need, and a rotation that keeps old links working. */
class ResultLinksTest {

  private static final String OLD = "the old link secret, of 32 bytes or more";
  private static final String NEW = "the new link secret, of 32 bytes or more";
  private static final Clock CLOCK =
      Clock.fixed(Instant.parse("2026-11-30T12:00:00Z"), ZoneOffset.UTC);

  private static ResultLinks links(List<String> secrets) {
    Map<String, String> configuration = new HashMap<>();
    for (int i = 0; i < secrets.size(); i++) {
      configuration.put("agp.api.link-secrets[" + i + "]", secrets.get(i));
    }
    ApiProperties properties =
        new Binder(new MapConfigurationPropertySource(configuration))
            .bindOrCreate("agp.api", ApiProperties.class);
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
