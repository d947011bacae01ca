-- ClickHouse's side of AGP's tiers in SQL (24.x and later; run as a user with access
-- management, e.g. clickhouse-client -n < agp-access.sql). One ClickHouse user per tier: what a
-- tier's users may do is bounded by ClickHouse itself as well as by AGP's allow-lists. Load
-- config.d/agp-access-control.xml on the server too, so that system tables need grants.
--
-- Set each tier in AGP to its user: agp.tiers.default.clickhouse.user: agp_default (password from
-- a secret), agp.tiers.default.clickhouse.database: analytics, agp.tiers.default.send-quota-key:
-- true. Change the passwords.

CREATE DATABASE IF NOT EXISTS analytics;

-- Limits a query may lower, never raise; readonly = 2 lets a query change the other settings
-- within these bounds but never write or lift readonly.
CREATE SETTINGS PROFILE OR REPLACE agp_tier SETTINGS
    readonly = 2,
    max_execution_time = 3600 MIN 1 MAX 3600,
    max_memory_usage = 10000000000 MIN 1 MAX 10000000000,
    max_threads = 8 MIN 1 MAX 8,
    log_queries = 1 CONST;

CREATE SETTINGS PROFILE OR REPLACE agp_tier_vip SETTINGS
    readonly = 2,
    max_execution_time = 7200 MIN 1 MAX 7200,
    max_memory_usage = 30000000000 MIN 1 MAX 30000000000,
    max_threads = 16 MIN 1 MAX 16,
    log_queries = 1 CONST;

CREATE USER OR REPLACE agp_default IDENTIFIED WITH sha256_password BY 'agp'
    DEFAULT DATABASE analytics SETTINGS PROFILE agp_tier;
CREATE USER OR REPLACE agp_vip IDENTIFIED WITH sha256_password BY 'agp'
    DEFAULT DATABASE analytics SETTINGS PROFILE agp_tier_vip;

-- What the tiers read: the analytic database, and the system tables AGP itself reads (the
-- worker's progress and cancel read system.processes; the server's version and settings are
-- asked once). No CREATE TEMPORARY TABLE and no source (URL, REMOTE, FILE, S3, MYSQL...): every
-- table function but numbers, zeros and the like is refused by the server. No SHOW USERS,
-- ROLES, QUOTAS or ACCESS: the access tables stay closed.
GRANT SELECT ON analytics.* TO agp_default, agp_vip;
GRANT SELECT ON system.processes, SELECT ON system.settings, SELECT ON system.functions,
    SELECT ON system.table_functions, SELECT ON system.formats, SELECT ON system.numbers,
    SELECT ON system.numbers_mt, SELECT ON system.zeros, SELECT ON system.zeros_mt
    TO agp_default, agp_vip;

-- Per AGP user (the quota key AGP sends): an hour's reading and server time.
CREATE QUOTA OR REPLACE agp_per_user KEYED BY client_key
    FOR INTERVAL 1 hour MAX read_rows = 100000000000, execution_time = 36000
    TO agp_default, agp_vip;
