package io.agp.api;

import org.springframework.context.annotation.Configuration;
import org.springframework.http.converter.HttpMessageConverters;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * The API answers JSON (and serves its contract as YAML), never XML: a Jackson XML module that some
 * other library brings onto the classpath would otherwise make {@code Accept: application/xml} pick
 * a converter that cannot write our records, a 500 instead of a 406.
 */
@Configuration(proxyBeanMethods = false)
class JsonOnlyAnswers implements WebMvcConfigurer {

  @Override
  public void configureMessageConverters(HttpMessageConverters.ServerBuilder builder) {
    builder.configureMessageConvertersList(
        converters ->
            converters.removeIf(
                converter ->
                    converter.getSupportedMediaTypes().stream()
                        .anyMatch(
                            type ->
                                // Not isCompatibleWith: the String and byte converters take */*.
                                type.getSubtype().equals("xml")
                                    || type.getSubtype().endsWith("+xml"))));
  }
}
