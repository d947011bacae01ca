// Drives AGP's ClickHouse proxy with the official ClickHouse JS client, as a Node service or a BI
// backend would: AGP_URL is the API's base URL, AGP_TOKEN a bearer token (sent as the password).
// Prints one JSON line a step; JsClientTest reads them.
import { createClient } from '@clickhouse/client';

const client = createClient({
  url: process.env.AGP_URL,
  pathname: '/v1/chproxy',
  username: 'analyst',
  password: process.env.AGP_TOKEN,
  request_timeout: 30_000,
});

function print(step, value) {
  console.log(JSON.stringify({ step, value }));
}

async function failure(step, run) {
  try {
    await run();
    print(step, 'no error');
  } catch (e) {
    print(step, String(e.message));
  }
}

try {
  print('ping', (await client.ping()).success);
  const rows = await client.query({
    query: 'SELECT number, toString(number) AS s FROM numbers(5)',
    format: 'JSONEachRow',
  });
  print('rows', await rows.json());
  const settings = await client.query({
    query: 'SELECT toUInt64(18446744073709551615) AS big',
    format: 'JSONEachRow',
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, max_threads: 1 },
  });
  print('settings', await settings.json());
  const streamed = await client.query({
    query: 'SELECT number FROM numbers(20000)',
    format: 'JSONEachRow',
  });
  let count = 0;
  for await (const batch of streamed.stream()) {
    count += batch.length;
  }
  print('streamed', count);
  await failure('refused setting', () =>
    client.query({ query: 'SELECT 1', clickhouse_settings: { log_queries: 0 } }),
  );
  await failure('refused table', () =>
    client.query({ query: 'SELECT query FROM system.processes', format: 'JSONEachRow' }),
  );
  await failure('clickhouse error', () => client.query({ query: 'SELEC 1' }));
} catch (e) {
  print('unexpected', String(e.stack));
  process.exitCode = 1;
} finally {
  await client.close();
}
