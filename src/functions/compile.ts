/**
 * Compiles the top-level `functions` map. Placeholder until issue #5 lands: the schema rejects the
 * section before this is reached.
 */
import type { CompileContext } from '../types.ts';

/** What routes resolve their `functionId` against. */
export interface FunctionCatalog {
  has(functionId: string): boolean;
}

export function compileFunctions(section: unknown, path: string, ctx: CompileContext): FunctionCatalog {
  if (section !== undefined) ctx.issue(path, 'not supported yet');
  return { has: () => false };
}
