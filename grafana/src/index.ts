// The public surface of @typedcluster/grafana: one export list.
export { renderDashboards } from './render-dashboards.js';
export { POSTGRES, PROMETHEUS } from './datasources.js';
