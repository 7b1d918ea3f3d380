import { randomUUID } from 'node:crypto';
import { registerSecret } from '@connector/logger';
import type { PendingEdit as PendingEditRow, PrismaClient } from '../generated/prisma/client.js';
import { createNamedSecretCipher } from '../secret-box.js';

/**
 * Secrets typed into the console's settings form that are not the connection's (yet): a save refused by the
 * form's validation or by the checks, a check without saving. Kept encrypted so the next try needs no
 * retyping, never shown back. A stored connection has at most one pending edit; a connection not created
 * yet has one per console session (the session holds the row's id, never a secret).
 */

export type PendingSecretField = 'lifeposPassword' | 'retailcrmApiKey';
export type PendingSecrets = Partial<Record<PendingSecretField, string>>;

export interface PendingEditRecord {
  id: string;
  /** Null for the edit of a connection not created yet. */
  connectionId: string | null;
  secrets: PendingSecrets;
  updatedAt: Date;
}

/** Whose edit: a stored connection's, or the one a console session points at (by the id it was given). */
export type PendingEditOwner = { connectionId: string } | { editId: string | undefined };

/** A session's edit of a connection not created yet is forgotten after a day (sessions end sooner). */
export const UNBOUND_EDIT_TTL_MS = 24 * 60 * 60 * 1000;

const COLUMNS = { lifeposPassword: 'lifeposPasswordEnc', retailcrmApiKey: 'retailcrmApiKeyEnc' } as const;
const FIELDS = Object.keys(COLUMNS) as PendingSecretField[];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function createPendingEditsRepository(
  prisma: PrismaClient,
  secretsKey: Buffer,
  now: () => Date = () => new Date(),
) {
  // Bound to the row and the column: a ciphertext moved to another edit or field does not decrypt.
  const cipher = createNamedSecretCipher(secretsKey, 'PendingEdit');
  const nameOf = (id: string, field: PendingSecretField) => `${id}:${COLUMNS[field]}`;

  const toRecord = (row: PendingEditRow): PendingEditRecord => {
    const secrets: PendingSecrets = {};
    for (const field of FIELDS) {
      const stored = row[COLUMNS[field]];
      if (stored === null) continue;
      try {
        const value = cipher.decrypt(nameOf(row.id, field), stored);
        registerSecret(value);
        secrets[field] = value;
      } catch {
        // Sealed under another SECRETS_KEY: as good as not kept; the operator types it again.
      }
    }
    return { id: row.id, connectionId: row.connectionId, secrets, updatedAt: row.updatedAt };
  };

  const findRow = async (owner: PendingEditOwner): Promise<PendingEditRow | null> => {
    if ('connectionId' in owner) {
      if (!UUID.test(owner.connectionId)) return null;
      return prisma.pendingEdit.findUnique({ where: { connectionId: owner.connectionId.toLowerCase() } });
    }
    if (!owner.editId || !UUID.test(owner.editId)) return null;
    return prisma.pendingEdit.findFirst({
      where: {
        id: owner.editId.toLowerCase(),
        connectionId: null,
        updatedAt: { gte: new Date(now().getTime() - UNBOUND_EDIT_TTL_MS) },
      },
    });
  };

  const sealed = (id: string, secrets: PendingSecrets) =>
    Object.fromEntries(
      FIELDS.filter((field) => secrets[field] !== undefined).map((field) => [
        COLUMNS[field],
        cipher.encrypt(nameOf(id, field), secrets[field] as string),
      ]),
    );

  return {
    /** The pending edit of the owner, or null (a session's edit older than a day counts as gone). */
    async find(owner: PendingEditOwner): Promise<PendingEditRecord | null> {
      const row = await findRow(owner);
      return row ? toRecord(row) : null;
    },

    /**
     * Keeps the given secrets (each replaces the one kept before; the others stay). A session's edit gets
     * a new id when it had none (or an expired one): the caller remembers it in the session.
     */
    async keep(owner: PendingEditOwner, secrets: PendingSecrets): Promise<PendingEditRecord> {
      if (!('connectionId' in owner)) {
        await prisma.pendingEdit.deleteMany({
          where: { connectionId: null, updatedAt: { lt: new Date(now().getTime() - UNBOUND_EDIT_TTL_MS) } },
        });
      }
      const existing = await findRow(owner);
      if (existing) {
        const row = await prisma.pendingEdit.update({
          where: { id: existing.id },
          data: { ...sealed(existing.id, secrets), updatedAt: now() },
        });
        return toRecord(row);
      }
      const id = randomUUID();
      const connectionId = 'connectionId' in owner ? owner.connectionId.toLowerCase() : null;
      try {
        const row = await prisma.pendingEdit.create({
          data: { id, connectionId, ...sealed(id, secrets), updatedAt: now() },
        });
        return toRecord(row);
      } catch (error) {
        // Two saves of one connection at once: the other made the row; add to it.
        if (connectionId === null || !(await findRow(owner))) throw error;
        return this.keep(owner, secrets);
      }
    },

    /** Forgets the owner's pending edit (a save stored its secrets, or the operator discarded them). */
    async discard(owner: PendingEditOwner): Promise<void> {
      const row = await findRow(owner);
      if (row) await prisma.pendingEdit.deleteMany({ where: { id: row.id } });
    },
  };
}

export type PendingEditsRepository = ReturnType<typeof createPendingEditsRepository>;
