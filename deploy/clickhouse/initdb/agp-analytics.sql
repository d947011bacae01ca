-- The analytic database the tiers' users read (see users.d/agp-tiers.xml). The ClickHouse image
-- runs this at its first start (/docker-entrypoint-initdb.d).
CREATE DATABASE IF NOT EXISTS analytics;
