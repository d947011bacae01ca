package io.agp.testkit;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test the real servers it names as parameters ({@link PostgresTestServer}, {@link
 * ClickHouseTestServer}, {@link S3TestServer}) of its constructor, lifecycle or test methods. Each
 * server starts on first use and serves every test of the JVM.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealServers.Resolver.class)
public @interface RealServers {

  /** Resolves the server parameters. */
  final class Resolver implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      return type == PostgresTestServer.class
          || type == ClickHouseTestServer.class
          || type == S3TestServer.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      Class<?> type = parameter.getParameter().getType();
      if (type == PostgresTestServer.class) {
        return PostgresTestServer.shared();
      }
      if (type == ClickHouseTestServer.class) {
        return ClickHouseTestServer.shared();
      }
      return S3TestServer.shared();
    }
  }
}
