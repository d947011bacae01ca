package io.agp.api;

import jakarta.servlet.http.HttpServletRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.type.LogicalType;

/**
 * Reads request bodies with a bound on their size, so that a huge body is refused after reading at
 * most the limit, never buffered whole; and parses JSON strictly (no unknown fields, no numbers for
 * strings or strings for numbers), naming the offending field when it fails.
 */
@Component
public class RequestBodies {

  /** Room for the JSON around the SQL, and for the escapes that can lengthen the SQL inside it. */
  private static final long JSON_ENVELOPE = 64 * 1024;

  private final ApiProperties properties;
  private final JsonMapper strict;

  RequestBodies(ApiProperties properties, JsonMapper json) {
    this.properties = properties;
    this.strict =
        json.rebuild()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .withCoercionConfig(
                LogicalType.Textual,
                c ->
                    c.setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(
                LogicalType.Integer,
                c ->
                    c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .withCoercionConfig(
                LogicalType.Boolean,
                c ->
                    c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
                        .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail))
            .build();
  }

  /** The SQL of a text/plain body, in the request's charset (UTF-8 by default). */
  public String sql(HttpServletRequest request) throws IOException {
    long limit = properties.maxSqlSize().toBytes();
    byte[] bytes = read(request, limit);
    String encoding = request.getCharacterEncoding();
    Charset charset;
    try {
      charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
    } catch (IllegalArgumentException e) {
      throw new InvalidRequestException("charset", "unknown charset '" + encoding + "'");
    }
    String sql = new String(bytes, charset);
    NulCharacters.check("sql", sql);
    return sql;
  }

  /** A JSON body as the given type; null for an empty body or a JSON null. */
  public <T> T json(HttpServletRequest request, Class<T> type) throws IOException {
    return json(request, strict.readerFor(type));
  }

  public <T> T json(HttpServletRequest request, ObjectReader reader) throws IOException {
    byte[] bytes = read(request, 2 * properties.maxSqlSize().toBytes() + JSON_ENVELOPE);
    if (bytes.length == 0) {
      return null;
    }
    NulCharacters.checkJson(bytes);
    try {
      return reader.readValue(bytes);
    } catch (UnrecognizedPropertyException e) {
      throw new InvalidRequestException(
          path(e), "unknown field '" + e.getPropertyName() + "' in the request body");
    } catch (StreamReadException e) {
      throw new InvalidRequestException(
          null, "the request body is not valid JSON: " + e.getOriginalMessage());
    } catch (JacksonException e) {
      String field = path(e);
      throw new InvalidRequestException(
          field,
          field == null
              ? "the request body does not have the expected shape"
              : "field '" + field + "' has the wrong type or value");
    }
  }

  public ObjectReader reader(tools.jackson.core.type.TypeReference<?> type) {
    return strict.readerFor(strict.constructType(type));
  }

  private static String path(JacksonException e) {
    if (e.getPath().isEmpty()) {
      return null;
    }
    return e.getPath().stream()
        .map(r -> r.getPropertyName() != null ? r.getPropertyName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."))
        .replace(".[", "[");
  }

  /** At most {@code limit} bytes of the body; more is a 413, found out without reading it all. */
  public static byte[] read(HttpServletRequest request, long limit) throws IOException {
    if (request.getContentLengthLong() > limit) {
      throw new SqlTooLargeException(limit);
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = request.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        body.write(buffer, 0, n);
        if (body.size() > limit) {
          throw new SqlTooLargeException(limit);
        }
      }
    }
    return body.toByteArray();
  }
}
