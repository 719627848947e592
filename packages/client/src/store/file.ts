// File-backed AttributionStore for Node: the whole state as one JSON document, replaced
// atomically (write a temporary file, fsync, rename) on every commit.

import { open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';

import { StorageError } from '../errors.js';
import { isEmpty } from './memory.js';
import {
  applyChanges,
  emptyState,
  type AttributionStore,
  type ChangeSet,
  type StoredState,
} from './types.js';
import { decodeStoredState } from './validate.js';

/** Format marker of the file, bumped on incompatible changes. */
const FORMAT = 'pm-attribution-state/1';

/**
 * A store kept in one JSON file. A crash during a commit leaves either the old or the new file,
 * never a mix. Limitation: one process at a time; the file is not locked against other writers.
 *
 * @example
 * const store = new FileStore('/var/lib/app/attribution.json');
 * const client = await AttributionClient.open({ store });
 */
export class FileStore implements AttributionStore {
  readonly kind = 'file';
  private state: StoredState | undefined;

  /** @param path - the state file; created on the first commit */
  constructor(private readonly path: string) {}

  async load(): Promise<StoredState> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        this.state = emptyState();
        return structuredClone(this.state);
      }
      throw new StorageError(
        `file: cannot read state (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new StorageError('file: state is not valid JSON');
    }
    if (
      typeof doc !== 'object' ||
      doc === null ||
      (doc as { format?: unknown }).format !== FORMAT
    ) {
      throw new StorageError(`file: expected format ${FORMAT}`);
    }
    this.state = decodeStoredState((doc as { state?: unknown }).state);
    return structuredClone(this.state);
  }

  async commit(changes: ChangeSet): Promise<void> {
    if (isEmpty(changes)) return;
    const next = structuredClone(this.state ?? emptyState());
    applyChanges(next, structuredClone(changes));
    await this.writeAtomically(JSON.stringify({ format: FORMAT, state: next }));
    this.state = next;
  }

  async close(): Promise<void> {}

  private async writeAtomically(text: string): Promise<void> {
    const tmp = join(
      dirname(this.path),
      `.${basename(this.path)}.${process.pid}.${Date.now()}.tmp`,
    );
    try {
      const handle = await open(tmp, 'w', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, this.path);
    } catch (error) {
      await unlink(tmp).catch(() => {});
      throw new StorageError(
        `file: cannot write state (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
    // Make the rename itself durable where the platform allows syncing a directory.
    const dir = await open(dirname(this.path), 'r').catch(() => undefined);
    await dir?.sync().catch(() => {});
    await dir?.close();
  }
}
