import type { DataSourceRef } from '@grafana/grafana-foundation-sdk/common';

/**
 * The two data sources every dashboard names by uid; the provisioning files
 * in grafana/provisioning/datasources/ create them with these uids.
 */
export const POSTGRES: DataSourceRef = { type: 'grafana-postgresql-datasource', uid: 'typedcluster-postgres' };
export const PROMETHEUS: DataSourceRef = { type: 'prometheus', uid: 'typedcluster-prometheus' };
