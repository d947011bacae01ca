// What the test page imports: the official ClickHouse browser client, bundled by esbuild into
// client-web.js (an ES module a page loads from its own origin; nothing from a CDN).
export { createClient } from '@clickhouse/client-web';
