-- One PostgreSQL server, two databases: Prefect's own and the case database, each with its own
-- owner. Run as the postgres superuser:
--   psql -v prefect_password="'...'" -v cme_password="'...'" -f databases.sql
CREATE ROLE prefect LOGIN PASSWORD :prefect_password;
CREATE DATABASE prefect OWNER prefect;
CREATE ROLE cme LOGIN PASSWORD :cme_password;
CREATE DATABASE cme OWNER cme;
-- Nobody else may connect to either.
REVOKE CONNECT ON DATABASE prefect FROM PUBLIC;
REVOKE CONNECT ON DATABASE cme FROM PUBLIC;
