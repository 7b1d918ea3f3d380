import { z } from 'zod';
import { invalid } from './errors.js';

/**
 * RFC 6902 JSON Patch, all-or-nothing (V3: "succeeds only if all operations apply"): operations run on a
 * deep copy and the copy is returned only when every one of them applied.
 */

export const jsonPatchSchema = z.array(
  z.object({
    op: z.enum(['add', 'remove', 'replace', 'move', 'copy', 'test']),
    path: z.string(),
    value: z.unknown().optional(),
    from: z.string().optional(),
  }),
);
export type JsonPatchOperation = z.infer<typeof jsonPatchSchema>[number];

type Container = Record<string, unknown> | unknown[];

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalid(`Invalid JSON pointer '${pointer}'`, pointer);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => token.replaceAll('~1', '/').replaceAll('~0', '~'));
}

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function arrayIndex(array: unknown[], token: string, pointer: string, allowEnd: boolean): number {
  if (allowEnd && token === '-') return array.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw invalid(`Invalid array index in path '${pointer}'`, pointer);
  const index = Number(token);
  if (index > array.length || (!allowEnd && index === array.length)) {
    throw invalid(`Array index out of range in path '${pointer}'`, pointer);
  }
  return index;
}

/** Walks to the parent of the pointer's last token. */
function parentOf(document: unknown, pointer: string): { parent: Container; key: string } {
  const tokens = parsePointer(pointer);
  const key = tokens.pop();
  if (key === undefined) throw invalid('The root of the document cannot be patched', pointer);
  let node = document;
  for (const token of tokens) {
    if (!isContainer(node)) throw invalid(`Path '${pointer}' does not exist`, pointer);
    node = Array.isArray(node) ? node[arrayIndex(node, token, pointer, false)] : node[token];
  }
  if (!isContainer(node)) throw invalid(`Path '${pointer}' does not exist`, pointer);
  return { parent: node, key };
}

function read(document: unknown, pointer: string): unknown {
  let node = document;
  for (const token of parsePointer(pointer)) {
    if (!isContainer(node)) throw invalid(`Path '${pointer}' does not exist`, pointer);
    if (Array.isArray(node)) node = node[arrayIndex(node, token, pointer, false)];
    else if (Object.hasOwn(node, token)) node = node[token];
    else throw invalid(`Path '${pointer}' does not exist`, pointer);
  }
  return node;
}

function add(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, pointer, true), 0, value);
  else parent[key] = value;
}

function remove(document: unknown, pointer: string): unknown {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) return parent.splice(arrayIndex(parent, key, pointer, false), 1)[0];
  if (!Object.hasOwn(parent, key)) throw invalid(`Path '${pointer}' does not exist`, pointer);
  const previous = parent[key];
  delete parent[key];
  return previous;
}

function replace(document: unknown, pointer: string, value: unknown): void {
  const { parent, key } = parentOf(document, pointer);
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, pointer, false)] = value;
  else if (Object.hasOwn(parent, key)) parent[key] = value;
  else throw invalid(`Path '${pointer}' does not exist`, pointer);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  return keysA.every(
    (key) =>
      Object.hasOwn(b, key) &&
      deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]),
  );
}

export function applyJsonPatch<T>(document: T, operations: readonly JsonPatchOperation[]): T {
  const copy = structuredClone(document);
  for (const operation of operations) {
    const needsValue = operation.op === 'add' || operation.op === 'replace' || operation.op === 'test';
    if (needsValue && !('value' in operation)) {
      throw invalid(`Operation '${operation.op}' on '${operation.path}' needs a value`, operation.path);
    }
    const needsFrom = operation.op === 'move' || operation.op === 'copy';
    if (needsFrom && operation.from === undefined) {
      throw invalid(`Operation '${operation.op}' on '${operation.path}' needs 'from'`, operation.path);
    }
    switch (operation.op) {
      case 'add':
        add(copy, operation.path, structuredClone(operation.value));
        break;
      case 'remove':
        remove(copy, operation.path);
        break;
      case 'replace':
        replace(copy, operation.path, structuredClone(operation.value));
        break;
      case 'move': {
        const from = operation.from as string;
        if (operation.path.startsWith(`${from}/`)) {
          throw invalid(`Cannot move '${from}' into its own child`, operation.path);
        }
        add(copy, operation.path, remove(copy, from));
        break;
      }
      case 'copy':
        add(copy, operation.path, structuredClone(read(copy, operation.from as string)));
        break;
      case 'test':
        if (!deepEqual(read(copy, operation.path), operation.value)) {
          throw invalid(`Test operation failed at '${operation.path}'`, operation.path);
        }
        break;
    }
  }
  return copy;
}
