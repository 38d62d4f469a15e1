// Database access: pool, migrations, embedded PostgreSQL, device registry, reading store.
export { createDatabase } from './database.js';
export type { Database, DatabaseOptions, Queryable, Rows } from './database.js';
export { connectOrExplain, redactUrl } from './connect-or-explain.js';
export { startEmbeddedPostgres } from './embedded-postgres.js';
export type { EmbeddedPostgres, EmbeddedPostgresOptions } from './embedded-postgres.js';
export { freePort, isPortFree } from './free-port.js';
export { migrate } from './migrations.js';
export type { AppliedMigration } from './migrations.js';
export { readMigrationFiles, SQL_DIR } from './migration-files.js';
export type { MigrationFile } from './migration-files.js';
export { createDeviceRegistry } from './device-registry.js';
export type { Device, DeviceRegistry, NewDevice, NewSession, SessionOutcome } from './device-registry.js';
export { createReadingStore } from './reading-store.js';
export type { LedgerFrame, ReadingStore } from './reading-store.js';
export { getTestPostgres, createTestDatabase } from './test-support.js';
export type { TestDatabase, TestPostgres } from './test-support.js';
export { createMqttCredentialStore } from './mqtt-credentials.js';
export type { MqttCredentialStore } from './mqtt-credentials.js';
