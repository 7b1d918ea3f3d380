import type { Database, PendingEditOwner, PendingSecrets } from '@connector/db';
import type { Request } from 'express';
import { type FieldErrors, SECRET_FIELDS } from './connection-input.schema.js';

/**
 * The secrets typed into the settings form outlive a try that did not store them: a save refused by the
 * form's validation or by the checks (a working connection keeps its own secrets until a change passes), a
 * check without saving. They are kept encrypted in the database (`PendingEdit`), per connection, or per
 * console session for a connection not created yet (the session holds the edit's id, never a secret), and
 * used by the next check or save whose field is left empty. Never shown back, never in a URL or a log.
 */

export type SecretField = (typeof SECRET_FIELDS)[number];

/** The secrets typed now: the form's non-empty secret fields (`inputFromForm` leaves out empty ones). */
export function typedSecrets(input: Record<string, unknown>): PendingSecrets {
  const typed: PendingSecrets = {};
  for (const field of SECRET_FIELDS) {
    const value = input[field];
    if (typeof value === 'string' && value !== '') typed[field] = value;
  }
  return typed;
}

/** The input with each secret left empty taken from the kept ones. */
export function withKept(input: Record<string, unknown>, kept: PendingSecrets): Record<string, unknown> {
  const filled = { ...input };
  for (const field of SECRET_FIELDS) {
    if (filled[field] === undefined && kept[field] !== undefined) filled[field] = kept[field];
  }
  return filled;
}

/** Which secrets are kept (names only, for the page). */
export const keptFields = (kept: PendingSecrets): SecretField[] =>
  SECRET_FIELDS.filter((field) => kept[field] !== undefined);

/** `connectionId` undefined: the edit of a connection not created yet, the session's. */
export function createSecretKeeper(db: Database) {
  const ownerOf = (req: Request, connectionId: string | undefined): PendingEditOwner =>
    connectionId ? { connectionId } : { editId: req.session.pendingEditId };

  return {
    /** The secrets kept for the next try. */
    async load(req: Request, connectionId: string | undefined): Promise<PendingSecrets> {
      return (await db.pendingEdits.find(ownerOf(req, connectionId)))?.secrets ?? {};
    },

    /**
     * Keeps the secrets typed in a try that did not store them, except one the form refused itself (a
     * password too short is no use again). Returns every secret kept now.
     */
    async keep(
      req: Request,
      connectionId: string | undefined,
      typed: PendingSecrets,
      fieldErrors: FieldErrors = {},
    ): Promise<PendingSecrets> {
      const usable: PendingSecrets = {};
      for (const field of keptFields(typed)) if (!fieldErrors[field]) usable[field] = typed[field];
      if (keptFields(usable).length === 0) return this.load(req, connectionId);
      const edit = await db.pendingEdits.keep(ownerOf(req, connectionId), usable);
      if (!connectionId) req.session.pendingEditId = edit.id;
      return edit.secrets;
    },

    /** Forgets the kept secrets: a save stored them, or the operator discarded them. */
    async drop(req: Request, connectionId: string | undefined): Promise<void> {
      await db.pendingEdits.discard(ownerOf(req, connectionId));
      if (!connectionId) delete req.session.pendingEditId;
    },
  };
}

export type SecretKeeper = ReturnType<typeof createSecretKeeper>;
