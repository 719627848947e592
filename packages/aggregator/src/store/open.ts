// Opens the datastore named by a store URL: `sqlite:PATH` or `postgres://...`.
import { ConfigError } from '../errors.js';
import { openPostgresDatastore } from './postgres.js';
import { openSqliteDatastore } from './sqlite.js';
import type { Datastore } from './types.js';

/**
 * Opens a datastore from its URL and applies pending migrations.
 *
 * @param url - `sqlite:/path/to.db`, `sqlite::memory:`, or a `postgres://` / `postgresql://` URL;
 *   a Postgres URL may carry `?schema=NAME` (removed before connecting).
 * @returns the datastore.
 * @throws {ConfigError} for an unsupported URL; {StoreError} when opening fails.
 * @example
 * const ds = await openDatastore('sqlite:./leader.db');
 */
export async function openDatastore(url: string): Promise<Datastore> {
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path.length === 0)
      throw new ConfigError('store: expected sqlite:PATH, received an empty path');
    return openSqliteDatastore(path);
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const parsed = new URL(url);
    const schema = parsed.searchParams.get('schema') ?? undefined;
    parsed.searchParams.delete('schema');
    return openPostgresDatastore(parsed.toString(), { schema });
  }
  throw new ConfigError('store: expected a sqlite: or postgres:// URL');
}
